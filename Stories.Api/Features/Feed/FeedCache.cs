using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Stories.Api.Features.Stories;
using Stories.Api.Infrastructure.Metrics;
using Stories.Api.Infrastructure.Redis;

namespace Stories.Api.Features.Feed;

/// <summary>Generation counters read with the entries: an entry counts only if it was built under the current ones.</summary>
public sealed record CacheStamp(long User, long Everyone);

/// <summary>
/// What one Redis round trip found; <see cref="Stamp"/> is null when the cache cannot be used now.
/// <see cref="FirstPageJson"/> is the cached first page exactly as it is answered (UTF-8 JSON), so a
/// hit is written out without being parsed; the followee ids are parsed only when the page missed
/// (<see cref="FeedCache.Followees"/>).
/// </summary>
public sealed record FeedCacheRead(CacheStamp? Stamp, RedisValue FolloweesEntry, ReadOnlyMemory<byte>? FirstPageJson)
{
    public static readonly FeedCacheRead Unavailable = new(null, RedisValue.Null, null);
}

/// <summary>
/// Two read caches in Redis, both per user: the ids the user follows, and the user's first feed page.
/// <para>
/// Invalidation bumps generation counters instead of deleting entries: a user's counter on their own
/// new story, follow, unfollow or recorded view; everyone's counter on a deletion. Each entry records
/// the counters it was built under and is ignored once they moved — so a reader that queried the
/// database just before a write cannot put the old answer back after the write's invalidation.
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
    public const string FolloweesName = "followees";

    private const string EveryoneGeneration = "cache:gen:everyone";

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
            ? [UserGeneration(userId), EveryoneGeneration, FolloweesKey(userId), FeedKey(userId, limit)]
            : [UserGeneration(userId), EveryoneGeneration, FolloweesKey(userId)];
        RedisValue[] values;
        try
        {
            values = await redis.Database.StringGetAsync(keys);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            metrics.CacheError(FeedName, "read");
            return FeedCacheRead.Unavailable;
        }

        var stamp = new CacheStamp(ToLong(values[0]), ToLong(values[1]));
        ReadOnlyMemory<byte>? page = null;
        if (firstPageLimit is not null)
        {
            page = PageJson(values[3], stamp, now);
            Count(FeedName, page is not null);
        }

        return new FeedCacheRead(stamp, values[2], page);
    }

    /// <summary>The cached followee ids of a read, if they were built under its stamp; counted as a hit or a miss.</summary>
    public IReadOnlyList<Guid>? Followees(FeedCacheRead read)
    {
        if (read.Stamp is not { } stamp)
        {
            return null;
        }

        var followees = ParseFollowees(read.FolloweesEntry, stamp);
        Count(FolloweesName, followees is not null);
        return followees;
    }

    public Task StoreFolloweesAsync(Guid userId, CacheStamp stamp, IReadOnlyList<Guid> followees) =>
        SetAsync(FolloweesName, FolloweesKey(userId), $"{stamp.User}|{string.Join(',', followees)}", options.Value.FolloweesTtl);

    /// <summary>
    /// Keeps the page until the feed TTL or the first expiry on it, whichever comes first, so no
    /// expired story is ever served from here. (The read checks the same instant by the injected clock.)
    /// The entry is a header — <c>user generation|everyone generation|valid until (UTC ticks)|</c> —
    /// followed by the page serialized with the API's own JSON options, i.e. the exact answer body.
    /// </summary>
    public Task StoreFirstPageAsync(Guid userId, int limit, CacheStamp stamp, StoryPage page, DateTimeOffset now)
    {
        var validUntil = page.Items.Select(item => item.ExpiresAt).Append(now + options.Value.FeedTtl).Min();
        if (validUntil <= now)
        {
            return Task.CompletedTask;
        }

        var header = Encoding.ASCII.GetBytes(FormattableString.Invariant($"{stamp.User}|{stamp.Everyone}|{validUntil.UtcTicks}|"));
        var body = JsonSerializer.SerializeToUtf8Bytes(page, json.Value.SerializerOptions);
        var entry = new byte[header.Length + body.Length];
        header.CopyTo(entry, 0);
        body.CopyTo(entry, header.Length);
        return SetAsync(FeedName, FeedKey(userId, limit), entry, validUntil - now);
    }

    /// <summary>After the user's own new story, follow, unfollow or recorded view: their entries are stale.</summary>
    public Task InvalidateUserAsync(Guid userId) => BumpAsync(UserGeneration(userId));

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
            catch (Exception exception) when (exception is RedisException or TimeoutException)
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
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            metrics.CacheError(cache, "write");
        }
    }

    private List<Guid>? ParseFollowees(RedisValue value, CacheStamp stamp)
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
                metrics.CacheError(FolloweesName, "read");
                return null;
            }

            ids.Add(id);
        }

        return ids;
    }

    /// <summary>The page's JSON if the entry was built under the current stamp and is still valid; null otherwise.</summary>
    private ReadOnlyMemory<byte>? PageJson(RedisValue value, CacheStamp stamp, DateTimeOffset now)
    {
        if (value.IsNull)
        {
            return null;
        }

        ReadOnlyMemory<byte> entry = (byte[])value!;
        var rest = entry.Span;
        if (!TryReadField(ref rest, out var userGeneration) || !TryReadField(ref rest, out var everyoneGeneration) || !TryReadField(ref rest, out var validUntilTicks)
            || rest.IsEmpty || rest[0] != (byte)'{')
        {
            // Not an entry this code wrote (corrupt, or planted by hand): a miss, counted as an error.
            metrics.CacheError(FeedName, "read");
            return null;
        }

        if (userGeneration != stamp.User || everyoneGeneration != stamp.Everyone || validUntilTicks <= now.UtcTicks)
        {
            return null;
        }

        // Not folded into a conditional expression: there, null would become an empty ReadOnlyMemory (through its
        // conversion from byte[]), i.e. a hit with an empty body.
        return entry[(entry.Length - rest.Length)..];
    }

    /// <summary>Reads a decimal number and the <c>|</c> after it.</summary>
    private static bool TryReadField(ref ReadOnlySpan<byte> rest, out long value)
    {
        if (!Utf8Parser.TryParse(rest, out value, out var consumed) || consumed >= rest.Length || rest[consumed] != (byte)'|')
        {
            return false;
        }

        rest = rest[(consumed + 1)..];
        return true;
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

    private static string FolloweesKey(Guid userId) => $"cache:followees:{userId}";

    // "v2": the entry format changed from one JSON document to a header and the answer body; replicas
    // of either version, side by side during a rollout, never read each other's entries.
    private static string FeedKey(Guid userId, int limit) => $"cache:feed:v2:{userId}:{limit}";
}
