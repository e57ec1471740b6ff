namespace Stories.Data.Entities;

/// <summary>
/// <see cref="BlockerId"/> blocked <see cref="BlockedId"/>: the blocked user sees none of the blocker's
/// stories, cannot follow, view or react, and is never told (every such request just finds nothing).
/// </summary>
public sealed class Block
{
    public required Guid BlockerId { get; init; }

    public required Guid BlockedId { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
}
