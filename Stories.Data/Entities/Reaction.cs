namespace Stories.Data.Entities;

public sealed class Reaction
{
    public required Guid Id { get; init; }

    public required Guid StoryId { get; init; }

    public required Guid UserId { get; init; }

    public required string Emoji { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
}
