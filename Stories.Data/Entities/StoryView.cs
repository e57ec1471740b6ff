namespace Stories.Data.Entities;

public sealed class StoryView
{
    public required Guid StoryId { get; init; }

    public required Guid ViewerId { get; init; }

    public required DateTimeOffset ViewedAt { get; init; }
}
