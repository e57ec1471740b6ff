namespace Stories.Data.Entities;

/// <summary>
/// A remembered <c>Idempotency-Key</c> of one user, stored in the same transaction as the story it
/// created, with the response to replay.
/// </summary>
public sealed class IdempotencyKey
{
    public required Guid UserId { get; init; }

    public required string Key { get; init; }

    /// <summary>SHA-256 of the request body, hex: a reused key with another body is refused.</summary>
    public required string RequestHash { get; init; }

    public required int StatusCode { get; init; }

    /// <summary>text, not jsonb: a replay must return the original bytes, and jsonb re-formats them.</summary>
    public required string ResponseBody { get; init; }

    public string? Location { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
}
