using Microsoft.Extensions.Options;

namespace Stories.Api.Features.Events;

/// <summary>
/// The per-user stream limit across every replica: each open stream holds a leased slot in
/// <c>events:{user}:streams</c> (a sorted set of stream ids scored by lease expiry, on Redis's clock so
/// replicas' clocks don't matter), renewed by the stream's heartbeat. A replica that dies without
/// releasing its slots loses them when the leases run out (<see cref="EventsOptions.SlotLease"/>).
/// </summary>
/// <remarks>
/// Without Redis each replica still enforces the limit for its own streams (<see cref="EventHub.TryAdd"/>),
/// so during an outage a user can hold the limit once per replica. Streams opened then take their
/// slots at their first heartbeat after Redis returns.
/// </remarks>
public sealed class StreamSlots(EventRedis redis, IOptions<EventsOptions> options)
{
    private const string LeaseScript =
        """
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        if ARGV[4] == '0' and not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
          return 0
        end
        redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
        return 1
        """;

    /// <summary>
    /// Takes a slot; false when the user holds the limit already. True without Redis: then only this
    /// replica's own count (checked before) applies.
    /// </summary>
    public async Task<bool> TryAcquireAsync(EventConnection connection)
    {
        try
        {
            return await LeaseAsync(connection, renew: false);
        }
        catch (EventBusUnavailableException)
        {
            return true;
        }
    }

    /// <summary>Extends the slot's lease, taking it again if it had lapsed; a renewal is never refused.</summary>
    public async Task RenewAsync(EventConnection connection)
    {
        try
        {
            await LeaseAsync(connection, renew: true);
        }
        catch (EventBusUnavailableException)
        {
            // The lease runs on; the next heartbeat tries again.
        }
    }

    public async Task ReleaseAsync(EventConnection connection)
    {
        try
        {
            await redis.RunAsync("slot", database => database.SortedSetRemoveAsync(SlotsKey(connection.UserId), connection.Id.ToString("N")));
        }
        catch (EventBusUnavailableException)
        {
            // The lease expires on its own.
        }
    }

    private Task<bool> LeaseAsync(EventConnection connection, bool renew)
    {
        var settings = options.Value;
        return redis.RunAsync("slot", async database =>
        {
            var taken = await database.ScriptEvaluateAsync(
                LeaseScript,
                [SlotsKey(connection.UserId)],
                [connection.Id.ToString("N"), settings.MaxStreamsPerUser, (long)settings.SlotLease.TotalMilliseconds, renew ? "1" : "0"]);
            return (int)taken == 1;
        });
    }

    private static string SlotsKey(Guid userId) => $"events:{userId:N}:streams";
}
