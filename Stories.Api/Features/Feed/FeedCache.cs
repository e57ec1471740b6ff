using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Stories.Api.Features.Stories;
using Stories.Api.Infrastructure.Metrics;
using Stories.Api.Infrastructure.Redis;

namespace Stories.Api.Features.Feed;

/// <summary>
/// Counters read with the entries. An entry counts only if it was built under the current
/// <see cref="User"/> and <see cref="Everyone"/> generations; <see cref="Views"/> only says whether the
/// user recorded a view since, which is laid over the page instead of discarding it.
/// </summary>
public sealed record CacheStamp(long User, long Everyone, long Views);

/// <summary>
/// What one Redis round trip found; <see cref="Stamp"/> is null when the cache cannot be used now.
/// <see cref="FirstPageJson"/> is the cached first page exactly as it is answered (UTF-8 JSON), so a
/// hit is written out without being parsed. The friend ids are read with later pages; for a first
/// page they are not even fetched unless the page missed (<see cref="FeedCache.FriendsAsync"/>): a
/// heavy follower's list is up to 5,000 ids, which a hit must not carry over the network.
/// </summary>
public sealed record FeedCacheRead(CacheStamp? Stamp, RedisValue? FriendsEntry, ReadOnlyMemory<byte>? FirstPageJson)
{
    public static readonly FeedCacheRead Unavailable = new(null, null, null);
}

/// <summary>
/// Two read caches in Redis, both per user: the ids the user follows, and the user's first feed page.
/// <para>
/// Invalidation bumps generation counters instead of deleting entries: a user's counter on their own
/// new story, follow or unfollow; everyone's counter on a deletion. Each entry records the counters it
/// was built under and is ignored once they moved — so a reader that queried the database just before
/// a write cannot put the old answer back after the write's invalidation.
/// </para>
/// <para>
/// A recorded view does not discard the viewer's page: it is kept in a short list of the user's recent
/// views, and a page built before it is answered with <c>viewed_by_me</c> turned true for the stories on
/// that list (the entry knows where each <c>false</c> stands in its JSON). Views are 15 % of the
/// mixed profile's requests, and each one used to cost the viewer's next feed request a database query.
/// </para>
/// <para>
/// A cache error never fails a request: the read answers "unavailable", the caller goes to the
/// database, and <c>cache_errors_total</c> counts it. An invalidation that could not reach Redis is
/// kept and retried before this replica reads a cache again; until it succeeds, this replica reads
/// from the database. See docs/decisions/0007-feed-cache-invalidation.md.
/// </para>
/// </summary>
public sealed class FeedCache(RedisStore redis, IOptions<CachingOptions> options, IOptions<JsonOptions> json, ApiMetrics metrics)
{
    public const string FeedName = "feed";
    public const string FriendsName = "friends";

    private const string EveryoneGeneration = "cache:gen:everyone";

    // KEYS[1] the user's recent views (story id scored by the API's clock in ms), KEYS[2] their views counter;
    // ARGV[1] now, ARGV[2] the story id, ARGV[3] the oldest score to keep, ARGV[4] the list's lifetime in ms,
    // ARGV[5] the counter's in seconds. The view is listed before the counter moves, in one step: a reader
    // that sees the new count finds the view.
    private const string RecordViewScript = """
        redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
        redis.call('PEXPIRE', KEYS[1], ARGV[4])
        local views = redis.call('INCR', KEYS[2])
        redis.call('EXPIRE', KEYS[2], ARGV[5])
        return views
        """;

    // KEYS[1] the user's recent views; ARGV story ids. Answers 1 for each id on the list, 0 otherwise.
    private const string ViewedAmongScript = """
        local viewed = {}
        for i, id in ipairs(ARGV) do
          viewed[i] = redis.call('ZSCORE', KEYS[1], id) and 1 or 0
        end
        return viewed
        """;

    // KEYS[1] a generation counter; ARGV[1] its lifetime in seconds (0: none). One round trip per invalidation.
    private const string BumpScript = """
        local generation = redis.call('INCR', KEYS[1])
        if tonumber(ARGV[1]) > 0 then
          redis.call('EXPIRE', KEYS[1], ARGV[1])
        end
        return generation
        """;

    /// <summary>A user's counter outlives any entry built under it; after that, its reset to zero is harmless.</summary>
    private static readonly TimeSpan s_generationLifetime = TimeSpan.FromDays(1);

    /// <summary>
    /// How long a view stays on the recent-views list: longer than any page lives (<see cref="CachingOptions.MaxFeedTtl"/>),
    /// with room for the clocks of the replica that recorded it and the one that reads it to differ.
    /// </summary>
    private static readonly TimeSpan s_recentViewsWindow = CachingOptions.MaxFeedTtl * 2.5;

    // Each pending bump carries a version, so a flush removes only what it bumped, never a newer request for the same key.
    private readonly ConcurrentDictionary<string, long> _pendingBumps = new(StringComparer.Ordinal);
    private long _bumpVersion;

    public async Task<FeedCacheRead> ReadAsync(Guid userId, int? firstPageLimit, DateTimeOffset now)
    {
        if (!options.Value.Enabled)
        {
            return FeedCacheRead.Unavailable;
        }

        if (!redis.Connection.IsConnected || !await FlushPendingBumpsAsync())
        {
            metrics.CacheError(FeedName, "read");
            return FeedCacheRead.Unavailable;
        }

        RedisKey[] keys = firstPageLimit is { } limit
            ? [UserGeneration(userId), EveryoneGeneration, ViewsCounter(userId), FeedKey(userId, limit)]
            : [UserGeneration(userId), EveryoneGeneration, ViewsCounter(userId), FriendsKey(userId)];
        RedisValue[] values;
        try
        {
            values = await redis.Database.StringGetAsync(keys);
        }
        catch (Exception exception) when (RedisErrors.IsUnavailable(exception))
        {
            metrics.CacheError(FeedName, "read");
            return FeedCacheRead.Unavailable;
        }

        var stamp = new CacheStamp(ToLong(values[0]), ToLong(values[1]), ToLong(values[2]));
        if (firstPageLimit is null)
        {
            return new FeedCacheRead(stamp, values[3], null);
        }

        var page = await PageJsonAsync(userId, values[3], stamp, now);
        Count(FeedName, page is not null);
        return new FeedCacheRead(stamp, null, page);
    }

    /// <summary>
    /// The cached friend ids (mutual follows) of a read, if they were built under its stamp; counted as a
    /// hit or a miss. Fetched now when the read did not carry them (a first page that missed).
    /// </summary>
    public async Task<IReadOnlyList<Guid>?> FriendsAsync(Guid userId, FeedCacheRead read)
    {
        if (read.Stamp is not { } stamp)
        {
            return null;
        }

        var entry = read.FriendsEntry;
        if (entry is null)
        {
            try
            {
                entry = await redis.Database.StringGetAsync(FriendsKey(userId));
            }
            catch (Exception exception) when (RedisErrors.IsUnavailable(exception))
            {
                metrics.CacheError(FriendsName, "read");
                return null;
            }
        }

        var friends = ParseFriends(entry.Value, stamp);
        Count(FriendsName, friends is not null);
        return friends;
    }

    public Task StoreFriendsAsync(Guid userId, CacheStamp stamp, IReadOnlyList<Guid> friends) =>
        SetAsync(FriendsName, FriendsKey(userId), $"{stamp.User}|{string.Join(',', friends)}", options.Value.FriendsTtl);

    /// <summary>
    /// Keeps the page until the feed TTL or the first expiry on it, whichever comes first, so no
    /// expired story is ever served from here. (The read checks the same instant by the injected clock.)
    /// The page is serialized with the API's own JSON options, i.e. stored as the exact answer body
    /// (format: <see cref="FeedPageEntry"/>).
    /// </summary>
    public Task StoreFirstPageAsync(Guid userId, int limit, CacheStamp stamp, StoryPage page, DateTimeOffset now)
    {
        var validUntil = page.Items.Select(item => item.ExpiresAt).Append(now + options.Value.FeedTtl).Min();
        if (validUntil <= now)
        {
            return Task.CompletedTask;
        }

        var entry = FeedPageEntry.Create(stamp, validUntil, page, JsonSerializer.SerializeToUtf8Bytes(page, json.Value.SerializerOptions));
        return SetAsync(FeedName, FeedKey(userId, limit), entry, validUntil - now);
    }

    /// <summary>After the user's own new story, follow or unfollow: their entries are stale.</summary>
    public Task InvalidateUserAsync(Guid userId) => BumpAsync(UserGeneration(userId));

    /// <summary>
    /// After the user's first view of a story: their cached page, if it shows the story, answers
    /// <c>viewed_by_me: true</c> from now on. If Redis cannot take the view, the user's entries are
    /// invalidated instead (kept and retried like any invalidation).
    /// </summary>
    public async Task RecordViewAsync(Guid userId, Guid storyId, DateTimeOffset now)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        if (redis.Connection.IsConnected)
        {
            try
            {
                await redis.Database.ScriptEvaluateAsync(
                    RecordViewScript,
                    [RecentViews(userId), ViewsCounter(userId)],
                    [now.ToUnixTimeMilliseconds(), storyId.ToString("N"), (now - s_recentViewsWindow).ToUnixTimeMilliseconds(),
                     (long)s_recentViewsWindow.TotalMilliseconds, (long)s_generationLifetime.TotalSeconds]);
                return;
            }
            catch (Exception exception) when (RedisErrors.IsUnavailable(exception))
            {
                metrics.CacheError(FeedName, "invalidate");
            }
        }

        await BumpAsync(UserGeneration(userId));
    }

    /// <summary>After a deletion: the story may sit on anyone's cached page.</summary>
    public Task InvalidateEveryoneAsync() => BumpAsync(EveryoneGeneration);

    private async Task BumpAsync(string generationKey)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        _pendingBumps[generationKey] = Interlocked.Increment(ref _bumpVersion);
        if (!await FlushPendingBumpsAsync())
        {
            metrics.CacheError(FeedName, "invalidate");
        }
    }

    /// <summary>Bumps every pending counter; true when none is left.</summary>
    private async Task<bool> FlushPendingBumpsAsync()
    {
        if (_pendingBumps.IsEmpty)
        {
            return true;
        }

        if (!redis.Connection.IsConnected)
        {
            return false;
        }

        foreach (var pending in _pendingBumps)
        {
            try
            {
                var lifetime = pending.Key == EveryoneGeneration ? 0 : (long)s_generationLifetime.TotalSeconds;
                await redis.Database.ScriptEvaluateAsync(BumpScript, [pending.Key], [lifetime]);
                _pendingBumps.TryRemove(pending);
            }
            catch (Exception exception) when (RedisErrors.IsUnavailable(exception))
            {
                return false;
            }
        }

        return true;
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

    private List<Guid>? ParseFriends(RedisValue value, CacheStamp stamp)
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

        return ids;
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
                ViewedAmongScript, [RecentViews(userId)], [.. unviewed.Select(story => (RedisValue)story.StoryId.ToString("N"))]))!;
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

    private static long ToLong(RedisValue value) => value.IsNull ? 0 : (long)value;

    private static string UserGeneration(Guid userId) => $"cache:gen:{userId}";

    private static string ViewsCounter(Guid userId) => $"cache:views:{userId}";

    private static string RecentViews(Guid userId) => $"cache:viewed:{userId}";

    private static string FriendsKey(Guid userId) => $"cache:friends:{userId}";

    // The entry format's version (v3: the header lists the unviewed stories); replicas of two versions,
    // side by side during a rollout, never read each other's entries.
    private static string FeedKey(Guid userId, int limit) => $"cache:feed:v3:{userId}:{limit}";
}
