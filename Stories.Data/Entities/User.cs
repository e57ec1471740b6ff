namespace Stories.Data.Entities;

public sealed class User
{
    public required Guid Id { get; init; }

    /// <summary>Trimmed and lower-cased on the way in, so uniqueness is case-insensitive by construction.</summary>
    public required string Email { get; set; }

    public required string PasswordHash { get; set; }

    public required string Handle { get; set; }

    public required DateTimeOffset CreatedAt { get; init; }
}
