namespace Stories.Data.Entities;

/// <summary>A user on a <c>friends</c> story's explicit audience list (a close-friends list).</summary>
public sealed class StoryAudience
{
    public required Guid StoryId { get; init; }

    public required Guid UserId { get; init; }
}
