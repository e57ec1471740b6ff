using Microsoft.EntityFrameworkCore;
using Stories.Api.Features.Stories;
using Stories.Api.Infrastructure;
using Stories.Api.Infrastructure.Paging;
using Stories.Data;

namespace Stories.Api.Features.Feed;

/// <summary>
/// One feed page: the first from its Redis cache when that is current (<see cref="FeedPageCache"/>),
/// otherwise from PostgreSQL — with the friends check answered by the cached friend ids (mutual follows),
/// passed into the SQL as an array parameter, so visibility is still decided by the query and nothing is
/// filtered after loading. Without a usable cache the rule asks the follows table itself, and a page costs
/// the same two statements.
/// </summary>
public sealed class FeedQuery(StoriesDbContext db, StoryReader reader, FeedPageCache cache, TimeProvider time)
{
    public Task<FeedAnswer> GetPageAsync(Guid callerId, int take, (DateTimeOffset Time, Guid Id)? after, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNowMicroseconds();
        return cache.GetOrBuildAsync(
            callerId, take, firstPage: after is null, now, friendIds => BuildAsync(callerId, take, after, friendIds, now, cancellationToken), cancellationToken);
    }

    private async Task<StoryPage> BuildAsync(
        Guid callerId, int take, (DateTimeOffset Time, Guid Id)? after, Guid[]? friendIds, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rows = await PageQuery(db, callerId, take, after, friendIds, now).ToListAsync(cancellationToken);
        var items = await reader.ToResponsesAsync([.. rows.Take(take)], callerId, cancellationToken);
        return new StoryPage(items, rows.Count > take ? Cursor.Encode(items[^1].CreatedAt, items[^1].Id) : null);
    }

    /// <summary>A page's rows as PostgreSQL is asked for them: one more than <paramref name="take"/>, to know whether a next page exists.</summary>
    internal static IQueryable<StoryReader.Row> PageQuery(
        StoriesDbContext db, Guid callerId, int take, (DateTimeOffset Time, Guid Id)? after, Guid[]? friendIds, DateTimeOffset now)
    {
        var stories = friendIds is null ? db.Stories.VisibleTo(db, callerId, now) : db.Stories.VisibleTo(db, callerId, friendIds, now);
        if (after is var (afterTime, afterId))
        {
            stories = stories.Where(story => story.CreatedAt < afterTime || (story.CreatedAt == afterTime && story.Id.CompareTo(afterId) < 0));
        }

        return StoryReader.Project(stories.OrderByDescending(story => story.CreatedAt).ThenByDescending(story => story.Id).Take(take + 1), callerId)
            .AsNoTracking();
    }
}

/// <summary>A feed page: built from the database (<see cref="Page"/>), or the cached first page's JSON as it is answered.</summary>
public readonly record struct FeedAnswer(StoryPage? Page, ReadOnlyMemory<byte> CachedJson);
