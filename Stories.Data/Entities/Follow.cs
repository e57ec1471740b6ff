namespace Stories.Data.Entities;

/// <summary>A one-way follow: the follower sees the followee's <c>friends</c> stories.</summary>
public sealed class Follow
{
    public required Guid FollowerId { get; init; }

    public required Guid FolloweeId { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
}
