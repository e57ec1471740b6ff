namespace Stories.Api.Infrastructure.Problems;

/// <summary>
/// The field errors of a 400 answer — the <c>errors</c> member of its problem details, each field with its
/// messages — built the same way by every endpoint.
/// </summary>
public static class FieldErrors
{
    /// <summary>One field's error.</summary>
    public static Dictionary<string, string[]> Of(string field, string message) => new() { [field] = [message] };
}
