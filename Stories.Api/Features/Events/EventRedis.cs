using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Stories.Api.Infrastructure.Redis;

namespace Stories.Api.Features.Events;

/// <summary>Redis could not serve the event bus: down, disconnected or too slow. Never escapes to a client as a 5xx.</summary>
public sealed class EventBusUnavailableException(string operation, Exception? inner)
    : Exception($"Redis did not serve the event bus's {operation}.", inner)
{
    public string Operation { get; } = operation;
}

/// <summary>
/// Every Redis call of the event bus goes through here, so all of them fail the same way: at once
/// when the multiplexer already knows it is disconnected, after <see cref="EventsOptions.RedisTimeout"/>
/// when Redis hangs (shorter than the multiplexer's own command timeout: a view or reaction waits on
/// its event's publication, so it gets the tighter bound), and always as an
/// <see cref="EventBusUnavailableException"/>. An outage is logged once when it starts and once when
/// it ends, with how long it lasted and how many calls it failed; each failure is counted.
/// </summary>
public sealed partial class EventRedis(
    RedisStore redis, IOptions<EventsOptions> options, EventMetrics metrics, TimeProvider time, ILogger<EventRedis> logger)
{
    private readonly Lock _outageLock = new();
    private DateTimeOffset? _outageSince;
    private long _outageFailures;

    public RedisStore Store => redis;

    /// <summary>Runs one call; the cancellation token stops the wait, not the Redis call (publishing passes none on purpose).</summary>
    public async Task<T> RunAsync<T>(string operation, Func<IDatabase, Task<T>> call, CancellationToken cancellationToken = default)
    {
        if (!redis.Connection.IsConnected)
        {
            throw Failed(operation, null);
        }

        T result;
        try
        {
            result = await call(redis.Database).WaitAsync(options.Value.RedisTimeout, cancellationToken);
        }
        catch (Exception exception) when (RedisErrors.IsUnavailable(exception) && !cancellationToken.IsCancellationRequested)
        {
            throw Failed(operation, exception);
        }

        Succeeded();
        return result;
    }

    private EventBusUnavailableException Failed(string operation, Exception? exception)
    {
        metrics.Failed(operation);
        lock (_outageLock)
        {
            _outageFailures++;
            if (_outageSince is null)
            {
                _outageSince = time.GetUtcNow();
                LogOutageStarted(logger, operation, exception);
            }
        }

        return new EventBusUnavailableException(operation, exception);
    }

    private void Succeeded()
    {
        if (Volatile.Read(ref _outageFailures) == 0)
        {
            return;
        }

        lock (_outageLock)
        {
            if (_outageSince is { } since)
            {
                var outageMs = (time.GetUtcNow() - since).TotalMilliseconds;
                LogOutageEnded(logger, outageMs, _outageFailures);
                _outageSince = null;
                _outageFailures = 0;
            }
        }
    }

    [LoggerMessage(EventName = "event_bus_degraded", Level = LogLevel.Warning,
        Message = "event bus degraded: Redis unavailable; events reach this replica's streams only and are not replayable until it returns")]
    private static partial void LogOutageStarted(ILogger logger, string operation, Exception? exception);

    [LoggerMessage(EventName = "event_bus_recovered", Level = LogLevel.Information, Message = "event bus recovered: Redis answers again")]
    private static partial void LogOutageEnded(ILogger logger, double outageMs, long failedCalls);
}
