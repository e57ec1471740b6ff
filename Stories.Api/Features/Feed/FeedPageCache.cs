using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Stories.Api.Features.Stories;
using Stories.Api.Infrastructure.Caching;
using Stories.Api.Infrastructure.Metrics;
using Stories.Api.Infrastructure.Redis;
using Stories.Data;

namespace Stories.Api.Features.Feed;

/// <summary>
/// The feed's two caches in Redis, both per user: the first page as it is answered, and the user's friend
/// ids (mutual follows) that a page built from the database passes into its SQL. Both are read under the
/// counters of <see cref="CacheInvalidation"/>, which the writers bump; nothing here knows who writes.
/// <para>
/// A recorded view does not discard the viewer's page: a page built before it is answered with
/// <c>viewed_by_me</c> turned true for the stories on the user's recent-views list (the entry knows where
/// each <c>false</c> stands in its JSON: <see cref="FeedPageEntry"/>).
/// </para>
/// <para>
/// A cache error never fails a request: the page is built from the database and <c>cache_errors_total</c>
/// counts it. See docs/decisions/0015-feed-cache-by-concern.md.
/// </para>
/// </summary>
public sealed class FeedPageCache(
    StoriesDbContext db, CacheInvalidation invalidation, RedisStore redis, IOptions<CachingOptions> options, IOptions<JsonOptions> json, ApiMetrics metrics)
{
    public const string FeedName = "feed";
    public const string FriendsName = "friends";

    // KEYS[1] the user's recent views; ARGV story ids. Answers 1 for each id on the list, 0 otherwise.
    private const string ViewedAmongScript = """
        local viewed = {}
        for i, id in ipairs(ARGV) do
          viewed[i] = redis.call('ZSCORE', KEYS[1], id) and 1 or 0
        end
        return viewed
        """;

    /// <summary>
    /// A first page that is cached and current is answered as its JSON. Any other page is
    /// <paramref name="build"/>'s, given the user's friend ids — from this cache, else from the database and
    /// then cached — or null when no cache can be used now, so the rule asks the follows table itself. A first
    /// page built here is stored for the next request. One round trip to Redis on a hit (two after a view).
    /// </summary>
    public async Task<FeedAnswer> GetOrBuildAsync(
        Guid userId, int limit, bool firstPage, DateTimeOffset now, Func<Guid[]?, Task<StoryPage>> build, CancellationToken cancellationToken)
    {
        // A first page reads its entry; a later page reads the friend ids in the same round trip instead.
        var read = await invalidation.ReadAsync(userId, firstPage ? CacheKeys.FeedPage(userId, limit) : CacheKeys.Friends(userId));
        if (read is not { Stamp: var stamp, Entry: var entry })
        {
            return new FeedAnswer(await build(null), default);
        }

        if (firstPage)
        {
            var cached = await PageJsonAsync(userId, entry, stamp, now);
            Count(FeedName, cached is not null);
            if (cached is { } hit)
            {
                return new FeedAnswer(null, hit);
            }
        }

        // A first page that missed fetches the friend ids only now: a heavy follower's list is up to 5,000 ids,
        // which a hit must not carry over the network.
        var friends = await FriendsAsync(userId, firstPage ? null : (RedisValue?)entry, stamp, cancellationToken);
        var page = await build(friends);
        if (firstPage)
        {
            await StoreFirstPageAsync(userId, limit, stamp, page, now);
        }

        return new FeedAnswer(page, default);
    }

    /// <summary>
    /// The user's friend ids: the cached ones if they were built under <paramref name="stamp"/> (counted as a
    /// hit or a miss), else the database's, then cached under it.
    /// </summary>
    private async Task<Guid[]> FriendsAsync(Guid userId, RedisValue? entry, CacheStamp stamp, CancellationToken cancellationToken)
    {
        if (entry is null)
        {
            try
            {
                entry = await redis.Database.StringGetAsync(CacheKeys.Friends(userId));
            }
            catch (Exception exception) when (RedisErrors.IsUnavailable(exception))
            {
                metrics.CacheError(FriendsName, "read");
            }
        }

        if (entry is { } value)
        {
            var cached = ParseFriends(value, stamp);
            Count(FriendsName, cached is not null);
            if (cached is not null)
            {
                return cached;
            }
        }

        var friends = await db.Follows.AsNoTracking().FriendsOf(userId).ToArrayAsync(cancellationToken);
        await SetAsync(FriendsName, CacheKeys.Friends(userId), $"{stamp.User}|{string.Join(',', friends)}", options.Value.FriendsTtl);
        return friends;
    }

    /// <summary>
    /// Keeps the page until the feed TTL or the first expiry on it, whichever comes first, so no
    /// expired story is ever served from here. (The read checks the same instant by the injected clock.)
    /// The page is serialized with the API's own JSON options, i.e. stored as the exact answer body
    /// (format: <see cref="FeedPageEntry"/>).
    /// </summary>
    private Task StoreFirstPageAsync(Guid userId, int limit, CacheStamp stamp, StoryPage page, DateTimeOffset now)
    {
        var validUntil = page.Items.Select(item => item.ExpiresAt).Append(now + options.Value.FeedTtl).Min();
        if (validUntil <= now)
        {
            return Task.CompletedTask;
        }

        var entry = FeedPageEntry.Create(stamp, validUntil, page, JsonSerializer.SerializeToUtf8Bytes(page, json.Value.SerializerOptions));
        return SetAsync(FeedName, CacheKeys.FeedPage(userId, limit), entry, validUntil - now);
    }

    private async Task SetAsync(string cache, string key, RedisValue value, TimeSpan ttl)
    {
        try
        {
            await redis.Database.StringSetAsync(key, value, ttl);
        }
        catch (Exception exception) when (RedisErrors.IsUnavailable(exception))
        {
            metrics.CacheError(cache, "write");
        }
    }

    private Guid[]? ParseFriends(RedisValue value, CacheStamp stamp)
    {
        var text = (string?)value;
        var bar = text?.IndexOf('|', StringComparison.Ordinal) ?? -1;
        if (text is null || bar < 0 || !long.TryParse(text.AsSpan(0, bar), CultureInfo.InvariantCulture, out var generation) || generation != stamp.User)
        {
            return null;
        }

        var ids = new List<Guid>();
        foreach (var part in text[(bar + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Guid.TryParse(part, out var id))
            {
                metrics.CacheError(FriendsName, "read");
                return null;
            }

            ids.Add(id);
        }

        return [.. ids];
    }

    /// <summary>
    /// The page's JSON if the entry was built under the current generations and is still valid, with
    /// the views recorded since laid over it; null otherwise (a miss).
    /// </summary>
    private async Task<ReadOnlyMemory<byte>?> PageJsonAsync(Guid userId, RedisValue value, CacheStamp stamp, DateTimeOffset now)
    {
        if (value.IsNull)
        {
            return null;
        }

        var entry = (byte[])value!;
        if (!FeedPageEntry.TryReadHeader(entry, out var header))
        {
            // Not an entry this code wrote (corrupt, or planted by hand): a miss, counted as an error.
            metrics.CacheError(FeedName, "read");
            return null;
        }

        if (header.UserGeneration != stamp.User || header.EveryoneGeneration != stamp.Everyone || header.ValidUntilTicks <= now.UtcTicks)
        {
            return null;
        }

        // Not folded into a conditional expression: there, null would become an empty ReadOnlyMemory (through its
        // conversion from byte[]), i.e. a hit with an empty body.
        ReadOnlyMemory<byte> page = entry.AsMemory(header.JsonStart);
        if (header.Views == stamp.Views || header.UnviewedLength == 0)
        {
            return page;
        }

        // Parsed only now: most hits find no view since the page was built.
        if (!FeedPageEntry.TryReadUnviewed(entry, header, out var unviewed))
        {
            metrics.CacheError(FeedName, "read");
            return null;
        }

        return await WithRecentViewsAsync(userId, page, unviewed);
    }

    /// <summary>The page with <c>viewed_by_me</c> turned true for each of its unviewed stories the user has viewed since it was built.</summary>
    private async Task<ReadOnlyMemory<byte>?> WithRecentViewsAsync(Guid userId, ReadOnlyMemory<byte> page, IReadOnlyList<FeedPageEntry.UnviewedStory> unviewed)
    {
        RedisResult[] viewed;
        try
        {
            viewed = (RedisResult[])(await redis.Database.ScriptEvaluateAsync(
                ViewedAmongScript, [CacheKeys.RecentViews(userId)], [.. unviewed.Select(story => (RedisValue)story.StoryId.ToString("N"))]))!;
        }
        catch (Exception exception) when (RedisErrors.IsUnavailable(exception))
        {
            metrics.CacheError(FeedName, "read");
            return null;
        }

        return FeedPageEntry.WithViewed(page, unviewed.Where((_, i) => (int)viewed[i] == 1));
    }

    private void Count(string cache, bool hit)
    {
        if (hit)
        {
            metrics.CacheHit(cache);
        }
        else
        {
            metrics.CacheMiss(cache);
        }
    }
}
