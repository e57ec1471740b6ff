using Microsoft.EntityFrameworkCore;
using Stories.Api.Features.Stories;
using Stories.Api.Infrastructure;
using Stories.Api.Infrastructure.Paging;
using Stories.Data;

namespace Stories.Api.Features.Feed;

/// <summary>
/// One feed page: the first from its Redis cache when that is current, otherwise from PostgreSQL —
/// with the friends check answered by the cached friend ids (mutual follows), passed into the SQL as an array
/// parameter, so visibility is still decided by the query and nothing is filtered after loading.
/// Without a usable cache the rule asks the follows table itself, and a page costs the same two statements.
/// </summary>
public sealed class FeedQuery(StoriesDbContext db, StoryReader reader, FeedCache cache, TimeProvider time)
{
    public async Task<FeedAnswer> GetPageAsync(Guid callerId, int take, (DateTimeOffset Time, Guid Id)? after, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNowMicroseconds();
        var cached = await cache.ReadAsync(callerId, after is null ? take : null, now);
        if (cached.FirstPageJson is { } hit)
        {
            return new FeedAnswer(null, hit);
        }

        var friends = await cache.FriendsAsync(callerId, cached);
        if (friends is null && cached.Stamp is { } stamp)
        {
            friends = await db.Follows.AsNoTracking().FriendsOf(callerId).ToListAsync(cancellationToken);
            await cache.StoreFriendsAsync(callerId, stamp, friends);
        }

        var stories = friends is null ? db.Stories.VisibleTo(db, callerId, now) : db.Stories.VisibleTo(db, callerId, [.. friends], now);
        if (after is var (afterTime, afterId))
        {
            stories = stories.Where(story => story.CreatedAt < afterTime || (story.CreatedAt == afterTime && story.Id.CompareTo(afterId) < 0));
        }

        var rows = await StoryReader.Project(stories.OrderByDescending(story => story.CreatedAt).ThenByDescending(story => story.Id).Take(take + 1), callerId)
            .AsNoTracking()
            .ToListAsync(cancellationToken);
        var items = await reader.ToResponsesAsync([.. rows.Take(take)], callerId, cancellationToken);
        var page = new StoryPage(items, rows.Count > take ? Cursor.Encode(items[^1].CreatedAt, items[^1].Id) : null);
        if (after is null && cached.Stamp is { } firstPageStamp)
        {
            await cache.StoreFirstPageAsync(callerId, take, firstPageStamp, page, now);
        }

        return new FeedAnswer(page, default);
    }
}

/// <summary>A feed page: built from the database (<see cref="Page"/>), or the cached first page's JSON as it is answered.</summary>
public readonly record struct FeedAnswer(StoryPage? Page, ReadOnlyMemory<byte> CachedJson);
