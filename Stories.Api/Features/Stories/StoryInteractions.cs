using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Stories.Api.Features.Events;
using Stories.Api.Infrastructure;
using Stories.Api.Infrastructure.Caching;
using Stories.Api.Infrastructure.Metrics;
using Stories.Data;
using Stories.Data.Entities;

namespace Stories.Api.Features.Stories;

/// <summary>Views and reactions: both only on stories the caller may see right now.</summary>
public sealed partial class StoryInteractions(
    StoriesDbContext db,
    EventBus events,
    TimeProvider time,
    CacheInvalidation cacheInvalidation,
    ApiMetrics metrics,
    StoryViewWriter viewWriter,
    IOptions<ViewOptions> viewOptions,
    ILogger<StoryInteractions> logger)
{
    /// <summary>The six reactions, as stored and returned.</summary>
    public static readonly IReadOnlyList<string> AllowedEmoji = ["👍", "❤️", "😂", "😮", "😢", "🔥"];

    public enum ViewOutcome { NotFound, Viewed }

    /// <summary>
    /// Records the view once per viewer: <c>INSERT … ON CONFLICT DO NOTHING</c> makes concurrent
    /// duplicates collapse into one row, and only the request that inserted it raises <c>story.viewed</c>,
    /// so the author hears of each viewer once. The author's own views are not recorded. Whether this
    /// request recorded the view is the server's business: every visible story answers <see cref="ViewOutcome.Viewed"/>.
    /// A story deleted between the visibility check and the insert answers <see cref="ViewOutcome.NotFound"/>,
    /// as it would a moment later. With <see cref="ViewOptions.Coalesce"/> the row goes in with others
    /// queued at the same time (<see cref="StoryViewWriter"/>).
    /// </summary>
    public async Task<ViewOutcome> ViewAsync(Guid storyId, Guid viewerId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNowMicroseconds();
        var authorId = await VisibleAuthorAsync(storyId, viewerId, now, cancellationToken);
        if (authorId is not { } author)
        {
            return ViewOutcome.NotFound;
        }

        if (author == viewerId)
        {
            return ViewOutcome.Viewed;
        }

        var written = viewOptions.Value.Coalesce
            ? await viewWriter.WriteAsync(storyId, viewerId, now, cancellationToken)
            : await InsertViewAsync(storyId, viewerId, now, cancellationToken);
        if (written == ViewWrite.StoryGone)
        {
            return ViewOutcome.NotFound;
        }

        if (written == ViewWrite.Inserted)
        {
            LogStoryViewed(logger, storyId, viewerId, author);
            metrics.StoryViewed();
            // The author's event and the viewer's cached feed page (which may say viewed_by_me = false for this
            // story) are keys of different users, so two Redis scripts; sent together, they cost one round trip.
            // Neither throws: both degrade on their own when Redis is away.
            await Task.WhenAll(
                events.PublishAsync(author, EventTypes.StoryViewed, new StoryViewedPayload(storyId, viewerId, now)),
                cacheInvalidation.RecordViewAsync(viewerId, storyId, now));
        }

        return ViewOutcome.Viewed;
    }

    public enum ReactOutcome { NotFound, Reacted, OwnStory }

    public sealed record React(ReactOutcome Outcome, Reaction? Reaction);

    public async Task<React> ReactAsync(Guid storyId, Guid userId, string emoji, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNowMicroseconds();
        var authorId = await VisibleAuthorAsync(storyId, userId, now, cancellationToken);
        if (authorId is not { } author)
        {
            return new React(ReactOutcome.NotFound, null);
        }

        if (author == userId)
        {
            return new React(ReactOutcome.OwnStory, null);
        }

        var reaction = new Reaction { Id = Guid.CreateVersion7(now), StoryId = storyId, UserId = userId, Emoji = emoji, CreatedAt = now };
        try
        {
            await db.Database.ExecuteSqlAsync(
                $"""
                -- prepared
                insert into reactions (id, story_id, user_id, emoji, created_at)
                values ({reaction.Id}, {reaction.StoryId}, {reaction.UserId}, {reaction.Emoji}, {reaction.CreatedAt})
                """,
                cancellationToken);
        }
        catch (PostgresException exception) when (IsStoryGone(exception))
        {
            return new React(ReactOutcome.NotFound, null);
        }

        LogReactionAdded(logger, storyId, userId, emoji);
        await events.PublishAsync(author, EventTypes.StoryReacted, new StoryReactedPayload(storyId, userId, emoji));
        metrics.ReactionAdded();
        return new React(ReactOutcome.Reacted, reaction);
    }

    /// <summary>The six emoji, with a bare ❤ (no variation selector) taken as ❤️; null for anything else.</summary>
    public static string? NormalizeEmoji(string? emoji) => emoji switch
    {
        "❤" => "❤️",
        not null when AllowedEmoji.Contains(emoji) => emoji,
        _ => null,
    };

    /// <summary>
    /// A view's or a reaction's insert failed the foreign key to its story: the story was deleted by its
    /// author, or swept, between the visibility check and the insert — answered as the 404 it is a moment later.
    /// </summary>
    internal static bool IsStoryGone(Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.ForeignKeyViolation, ConstraintName: "story_views_story_id_fkey" or "reactions_story_id_fkey" };

    private Task<Guid?> VisibleAuthorAsync(Guid storyId, Guid callerId, DateTimeOffset now, CancellationToken cancellationToken) =>
        StoryVisibilityRules.VisibleAuthorAsync(db, storyId, callerId, now, cancellationToken);

    /// <summary>One view, one statement, one commit: the path <see cref="ViewOptions.Coalesce"/> turns off.</summary>
    private async Task<ViewWrite> InsertViewAsync(Guid storyId, Guid viewerId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            var inserted = await db.Database.ExecuteSqlAsync(
                $"""
                -- prepared
                insert into story_views (story_id, viewer_id, viewed_at)
                values ({storyId}, {viewerId}, {now})
                on conflict do nothing
                """,
                cancellationToken);
            return inserted == 1 ? ViewWrite.Inserted : ViewWrite.AlreadyViewed;
        }
        catch (PostgresException exception) when (IsStoryGone(exception))
        {
            return ViewWrite.StoryGone;
        }
    }

    [LoggerMessage(EventName = "story_viewed", Level = LogLevel.Information, Message = "story viewed")]
    private static partial void LogStoryViewed(ILogger logger, Guid storyId, Guid userId, Guid authorId);

    [LoggerMessage(EventName = "reaction_added", Level = LogLevel.Information, Message = "reaction added")]
    private static partial void LogReactionAdded(ILogger logger, Guid storyId, Guid userId, string emoji);
}
