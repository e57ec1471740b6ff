namespace Stories.Api.Features.Events;

/// <summary>The <c>type</c> of every event envelope <c>{type, payload}</c> (README, "Real-time events").</summary>
public static class EventTypes
{
    public const string StoryViewed = "story.viewed";
    public const string StoryReacted = "story.reacted";

    /// <summary>Replay was not possible (the id is outside the window, unknown, or Redis is away): refetch, then carry on.</summary>
    public const string Reset = "reset";
}

/// <summary>To the story's author, once per (story, viewer).</summary>
public sealed record StoryViewedPayload(Guid StoryId, Guid ViewerId, DateTimeOffset ViewedAt);

/// <summary>To the story's author, on every reaction.</summary>
public sealed record StoryReactedPayload(Guid StoryId, Guid UserId, string Emoji);

public sealed record TicketResponse(string Ticket, DateTimeOffset ExpiresAt);
