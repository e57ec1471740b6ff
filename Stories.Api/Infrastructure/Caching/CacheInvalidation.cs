using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Stories.Api.Infrastructure.Metrics;
using Stories.Api.Infrastructure.Redis;

namespace Stories.Api.Infrastructure.Caching;

/// <summary>
/// Counters read with the entries. An entry counts only if it was built under the current
/// <see cref="User"/> and <see cref="Everyone"/> generations; <see cref="Views"/> only says whether the
/// user recorded a view since, which is laid over the page instead of discarding it.
/// </summary>
public sealed record CacheStamp(long User, long Everyone, long Views);

/// <summary>A cached entry (null when absent) and the counters it must have been built under to count.</summary>
public readonly record struct StampedEntry(CacheStamp Stamp, RedisValue Entry);

/// <summary>
/// What writers tell the caches, without knowing what is cached: "this user's entries are stale"
/// (their own new story, a follow or an unfollow), "everyone's are" (a deletion), "this user viewed that
/// story" (laid over their cached page rather than discarding it). Readers get an entry together with
/// the counters it must have been built under, in one round trip.
/// <para>
/// Invalidation bumps generation counters instead of deleting entries: each entry records the counters
/// it was built under and is ignored once they moved — so a reader that queried the database just
/// before a write cannot put the old answer back after the write's invalidation.
/// </para>
/// <para>
/// A bump that could not reach Redis is kept and retried before this replica reads a cache again; until
/// it succeeds, this replica's reads find no cache and go to the database.
/// See docs/decisions/0015-feed-cache-by-concern.md.
/// </para>
/// </summary>
public sealed class CacheInvalidation(RedisStore redis, IOptions<CachingOptions> options, ApiMetrics metrics)
{
    // Invalidations and stamped reads have always been counted under the feed cache's name: it is the cache they serve.
    private const string MetricsCacheName = "feed";

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

    /// <summary>
    /// The entry at <paramref name="entryKey"/> with the current counters: the user's keys in one <c>MGET</c>,
    /// the global counter in a <c>GET</c> pipelined beside it;
    /// null when no cache may be used now (caching off, Redis unavailable, or a bump still pending).
    /// </summary>
    public async Task<StampedEntry?> ReadAsync(Guid userId, string entryKey)
    {
        if (!options.Value.Enabled)
        {
            return null;
        }

        if (!redis.Connection.IsConnected || !await FlushPendingBumpsAsync())
        {
            metrics.CacheError(MetricsCacheName, "read");
            return null;
        }

        RedisValue[] values;
        RedisValue everyone;
        try
        {
            // The user's keys share their hash tag, so one MGET stays in one cluster slot; the global
            // counter lives in a slot of its own and is asked beside it, pipelined on one connection.
            var ofUser = redis.Database.StringGetAsync([CacheKeys.UserGeneration(userId), CacheKeys.ViewsCounter(userId), entryKey]);
            var ofEveryone = redis.Database.StringGetAsync(CacheKeys.EveryoneGeneration);
            await Task.WhenAll(ofUser, ofEveryone);
            values = await ofUser;
            everyone = await ofEveryone;
        }
        catch (Exception exception) when (RedisErrors.IsUnavailable(exception))
        {
            metrics.CacheError(MetricsCacheName, "read");
            return null;
        }

        return new StampedEntry(new CacheStamp(ToLong(values[0]), ToLong(everyone), ToLong(values[1])), values[2]);
    }

    /// <summary>After the user's own new story, follow or unfollow: their entries are stale.</summary>
    public Task InvalidateUserAsync(Guid userId) => BumpAsync(CacheKeys.UserGeneration(userId));

    /// <summary>After a deletion: the story may sit on anyone's cached page.</summary>
    public Task InvalidateEveryoneAsync() => BumpAsync(CacheKeys.EveryoneGeneration);

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
                    [CacheKeys.RecentViews(userId), CacheKeys.ViewsCounter(userId)],
                    [now.ToUnixTimeMilliseconds(), storyId.ToString("N"), (now - s_recentViewsWindow).ToUnixTimeMilliseconds(),
                     (long)s_recentViewsWindow.TotalMilliseconds, (long)s_generationLifetime.TotalSeconds]);
                return;
            }
            catch (Exception exception) when (RedisErrors.IsUnavailable(exception))
            {
                metrics.CacheError(MetricsCacheName, "invalidate");
            }
        }

        await BumpAsync(CacheKeys.UserGeneration(userId));
    }

    /// <summary>
    /// Bumps the one counter this write concerns. Only when Redis cannot take it (or earlier bumps are still
    /// pending) does it join the pending ones, which are retried in order before any later read or bump —
    /// so concurrent writers never flush, and wait for, each other's counters.
    /// </summary>
    private async Task BumpAsync(string generationKey)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        if (_pendingBumps.IsEmpty && redis.Connection.IsConnected)
        {
            try
            {
                await BumpNowAsync(generationKey);
                return;
            }
            catch (Exception exception) when (RedisErrors.IsUnavailable(exception))
            {
                // Kept below and retried like any bump that could not be made.
            }
        }

        _pendingBumps[generationKey] = Interlocked.Increment(ref _bumpVersion);
        if (!await FlushPendingBumpsAsync())
        {
            metrics.CacheError(MetricsCacheName, "invalidate");
        }
    }

    private Task<RedisResult> BumpNowAsync(string generationKey)
    {
        var lifetime = generationKey == CacheKeys.EveryoneGeneration ? 0 : (long)s_generationLifetime.TotalSeconds;
        return redis.Database.ScriptEvaluateAsync(BumpScript, [generationKey], [lifetime]);
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
                await BumpNowAsync(pending.Key);
                _pendingBumps.TryRemove(pending);
            }
            catch (Exception exception) when (RedisErrors.IsUnavailable(exception))
            {
                return false;
            }
        }

        return true;
    }

    private static long ToLong(RedisValue value) => value.IsNull ? 0 : (long)value;
}
