using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Stories.Api.Infrastructure.Metrics;
using Stories.Api.Infrastructure.Redis;

namespace Stories.Api.Infrastructure.RateLimiting;

/// <summary>
/// Token buckets shared by every replica through Redis: each decision is one Lua script, so refill
/// and take are atomic however many replicas ask at once. The time comes from the injected
/// <see cref="TimeProvider"/> (tests move it), passed to the script rather than read from Redis.
/// When Redis cannot answer, this replica decides with in-process buckets of the same size and rate
/// — never unlimited — logs the outage once, counts every such decision, and goes back to Redis as
/// soon as the connection is back.
/// </summary>
public sealed partial class TokenBuckets(
    RedisStore redis, IOptionsMonitor<RateLimitOptions> options, TimeProvider time, ApiMetrics metrics, ILogger<TokenBuckets> logger)
{
    /// <summary>Past this many in-process buckets, full ones are dropped (a full bucket is the same as none).</summary>
    private const int LocalBucketsBeforePruning = 100_000;

    // KEYS[1] the bucket; ARGV capacity and cost in shares, refill in shares per millisecond, now
    // (Unix ms). Returns {allowed, level}. The bucket outlives a full refill by a minute, then
    // expires: a missing bucket is a full one.
    private const string TakeScript = """
        local capacity = tonumber(ARGV[1])
        local cost = tonumber(ARGV[2])
        local refill = tonumber(ARGV[3])
        local now = tonumber(ARGV[4])
        local state = redis.call('HMGET', KEYS[1], 'level', 'at')
        local level = tonumber(state[1]) or capacity
        local at = tonumber(state[2]) or now
        if now > at then
          level = level + (now - at) * refill
          at = now
        end
        level = math.min(capacity, level)
        local allowed = 0
        if level >= cost then
          level = level - cost
          allowed = 1
        end
        redis.call('HSET', KEYS[1], 'level', string.format('%d', level), 'at', string.format('%d', at))
        redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / refill) + 60000)
        return {allowed, level}
        """;

    private readonly ConcurrentDictionary<string, LocalBucket> _local = new(StringComparer.Ordinal);
    private int _fallingBack;

    /// <summary>Takes <paramref name="tokens"/> from the partition's bucket, or nothing when it holds fewer.</summary>
    public async Task<RateLimitDecision> TakeAsync(RateLimitPolicy policy, string partition, long tokens = 1)
    {
        var limit = options.Get(policy.Name);
        var key = $"ratelimit:{policy.Name}:{partition}";
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var decision = await TakeFromRedisAsync(key, limit, tokens, now);
        if (decision is null)
        {
            decision = TakeLocally(key, limit, tokens, now);
            metrics.RateLimitFellBack(policy.Name);
        }

        metrics.RateLimitDecided(policy.Name, decision.Value.Allowed);
        return decision.Value;
    }

    private async Task<RateLimitDecision?> TakeFromRedisAsync(string key, RateLimitOptions limit, long tokens, long now)
    {
        // A disconnected multiplexer would make every request wait for its timeout: skip it at once.
        if (!redis.Connection.IsConnected)
        {
            FallingBack(null);
            return null;
        }

        try
        {
            RedisValue[] arguments = [(long)limit.Capacity * RateLimitDecision.SharesPerToken, tokens * RateLimitDecision.SharesPerToken, limit.PermitsPerMinute, now];
            var result = (RedisResult[])(await redis.Database.ScriptEvaluateAsync(TakeScript, [key], arguments))!;
            if (Interlocked.Exchange(ref _fallingBack, 0) == 1)
            {
                // Back on Redis: the next outage starts from fresh in-process buckets.
                _local.Clear();
                LogRedisRestored(logger);
            }

            return new RateLimitDecision((int)result[0] == 1, (long)result[1], limit, tokens);
        }
        catch (Exception exception) when (RedisErrors.IsUnavailable(exception))
        {
            FallingBack(exception);
            return null;
        }
    }

    private void FallingBack(Exception? exception)
    {
        if (Interlocked.Exchange(ref _fallingBack, 1) == 0)
        {
            LogFallingBack(logger, exception);
        }
    }

    private RateLimitDecision TakeLocally(string key, RateLimitOptions limit, long tokens, long now)
    {
        if (_local.Count > LocalBucketsBeforePruning)
        {
            foreach (var (staleKey, bucket) in _local)
            {
                if (bucket.IsFullAt(now, limit))
                {
                    _local.TryRemove(staleKey, out _);
                }
            }
        }

        return _local.GetOrAdd(key, static (_, start) => new LocalBucket(start.Level, start.Now), (Level: (long)limit.Capacity * RateLimitDecision.SharesPerToken, Now: now))
            .Take(limit, tokens, now);
    }

    /// <summary>The same arithmetic as the Lua script, under a lock instead of Redis' single thread.</summary>
    private sealed class LocalBucket(long level, long at)
    {
        private readonly Lock _lock = new();
        private long _level = level;
        private long _at = at;

        public RateLimitDecision Take(RateLimitOptions limit, long tokens, long now)
        {
            lock (_lock)
            {
                _level = LevelAt(now, limit);
                _at = Math.Max(_at, now);
                var allowed = _level >= tokens * RateLimitDecision.SharesPerToken;
                if (allowed)
                {
                    _level -= tokens * RateLimitDecision.SharesPerToken;
                }

                return new RateLimitDecision(allowed, _level, limit, tokens);
            }
        }

        public bool IsFullAt(long now, RateLimitOptions limit)
        {
            lock (_lock)
            {
                return LevelAt(now, limit) >= (long)limit.Capacity * RateLimitDecision.SharesPerToken;
            }
        }

        private long LevelAt(long now, RateLimitOptions limit) =>
            Math.Min((long)limit.Capacity * RateLimitDecision.SharesPerToken, _level + (Math.Max(0, now - _at) * limit.PermitsPerMinute));
    }

    [LoggerMessage(EventName = "rate_limit_fallback", Level = LogLevel.Warning, Message = "redis unavailable: rate limits fall back to in-process buckets")]
    private static partial void LogFallingBack(ILogger logger, Exception? exception);

    [LoggerMessage(EventName = "rate_limit_restored", Level = LogLevel.Information, Message = "redis available again: rate limits are shared again")]
    private static partial void LogRedisRestored(ILogger logger);
}
