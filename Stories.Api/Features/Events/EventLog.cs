using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Stories.Api.Features.Events;

/// <summary>
/// Each user's replay log in Redis, and the channel every replica listens on.
/// </summary>
/// <remarks>
/// The log is one sorted set per user, <c>events:{user}:log</c>, scored by event id, member
/// <c>{id}|{type}|{payload}</c> (the id keeps two equal reactions apart). Ids are assigned by the
/// append script as <c>max(newest id + 1, Redis time in ms × 1,000)</c>: increasing per user, and
/// still increasing after the log expired or Redis lost its data, with no counter key to keep
/// forever. (× 1,000 leaves room for 1,000 events per user per millisecond before ids run ahead of
/// the clock, and stays below 2^53 — exact in JavaScript and in Lua — until the 23rd century.)
/// Appending, trimming to the newest <see cref="EventsOptions.ReplayLength"/>, refreshing the
/// retention and publishing happen in one script: atomic, one round trip, and messages on the
/// channel in id order.
/// </remarks>
public sealed class EventLog(EventRedis redis, IOptions<EventsOptions> options)
{
    private const string AppendScript =
        """
        local time = redis.call('TIME')
        local id = tonumber(time[1]) * 1000000 + math.floor(tonumber(time[2]) / 1000) * 1000
        local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
        if newest[2] and tonumber(newest[2]) >= id then
          id = tonumber(newest[2]) + 1
        end
        local idText = string.format('%.0f', id)
        redis.call('ZADD', KEYS[1], idText, idText .. '|' .. ARGV[1] .. '|' .. ARGV[2])
        redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[3]) + 1))
        redis.call('PEXPIRE', KEYS[1], ARGV[4])
        redis.call('PUBLISH', ARGV[5], ARGV[6] .. '|' .. ARGV[7] .. '|' .. idText .. '|' .. ARGV[1] .. '|' .. ARGV[2])
        return idText
        """;

    // Replay only from an id the log still holds: then every later event is in it too, since ids are
    // assigned in the same atomic script that appends. An id it does not hold was trimmed, expired,
    // assigned locally during an outage (never logged) or is made up; in each case events may be
    // missing, so the answer is "reset" with the newest id held.
    private const string ReadScript =
        """
        local anchor = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1], 'LIMIT', 0, 1)
        if #anchor == 0 then
          return {0, redis.call('ZRANGE', KEYS[1], -1, -1)}
        end
        return {1, redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf')}
        """;

    /// <summary>The one channel for every user's events; each replica subscribes to it once.</summary>
    public RedisChannel Channel { get; } = redis.Store.Channel("events");

    /// <summary>Logs the event for replay, publishes it to every replica, and returns its id.</summary>
    public Task<long> AppendAsync(Guid userId, string type, string payloadJson, string origin)
    {
        var settings = options.Value;
        return redis.RunAsync("publish", async database =>
        {
            var result = await database.ScriptEvaluateAsync(
                AppendScript,
                [LogKey(userId)],
                [
                    type,
                    payloadJson,
                    settings.ReplayLength,
                    (long)settings.ReplayRetention.TotalMilliseconds,
                    (string)Channel!,
                    origin,
                    userId.ToString("N"),
                ]);
            return long.Parse((string)result!, CultureInfo.InvariantCulture);
        });
    }

    /// <summary>The events after <paramref name="lastId"/> in order, or a reset when the log cannot vouch for them.</summary>
    public Task<Replay> ReadAfterAsync(Guid userId, long lastId) =>
        redis.RunAsync("replay", async database =>
        {
            var result = (RedisResult[])(await database.ScriptEvaluateAsync(ReadScript, [LogKey(userId)], [lastId]))!;
            var entries = ((RedisResult[])result[1]!).Select(entry => ParseEntry((string)entry!)).ToList();
            return (int)result[0] == 1
                ? new Replay(entries, Reset: null)
                : new Replay([], EventFrame.Reset(entries.LastOrDefault()?.Id));
        });

    /// <summary>A message as the append script publishes it: <c>origin|user|id|type|payload</c>.</summary>
    public static string FormatMessage(string origin, Guid userId, long id, string type, string payloadJson) =>
        string.Create(CultureInfo.InvariantCulture, $"{origin}|{userId:N}|{id}|{type}|{payloadJson}");

    /// <summary>
    /// Reads a channel message, <c>{origin}|{user}|{id}|{type}|{payload}</c>. The payload is JSON and
    /// may hold <c>|</c>, so it is everything after the fourth separator. <paramref name="receivedAt"/>
    /// becomes the frame's <see cref="EventFrame.ArrivedAt"/>.
    /// </summary>
    public static bool TryParseMessage(string message, long receivedAt, out string origin, out Guid userId, out EventFrame frame)
    {
        var parts = message.Split('|', 5);
        origin = parts[0];
        userId = Guid.Empty;
        frame = EventFrame.Heartbeat;
        if (parts.Length != 5 || !Guid.TryParseExact(parts[1], "N", out userId) || !long.TryParse(parts[2], CultureInfo.InvariantCulture, out var id))
        {
            return false;
        }

        frame = new EventFrame(id, parts[3], parts[4]) { ArrivedAt = receivedAt };
        return true;
    }

    private static EventFrame ParseEntry(string entry)
    {
        var parts = entry.Split('|', 3);
        return new EventFrame(long.Parse(parts[0], CultureInfo.InvariantCulture), parts[1], parts[2]);
    }

    private static string LogKey(Guid userId) => $"events:{userId:N}:log";
}

/// <summary>What a reconnecting stream sends first: the missed events, or a reset.</summary>
public sealed record Replay(IReadOnlyList<EventFrame> Events, EventFrame? Reset);
