using StackExchange.Redis;

namespace Stories.Api.Features.Events;

/// <summary>
/// The replica's one subscription to the events channel: messages from other replicas go to the
/// hub, which hands each to the recipient's streams here (if any). One channel for all users keeps
/// Redis at one subscription per replica, whatever the number of users; the price is that every
/// replica parses every event's header, which is cheap next to holding a subscription per user.
/// </summary>
/// <remarks>
/// SE.Redis keeps the subscription across outages: it resubscribes when it reconnects, and a
/// subscription made while Redis was down at startup is sent once Redis arrives (both proven by
/// RedisOutageTests). While the subscription is down, events raised on other replicas do not reach
/// this one (they stay replayable from the log); the interruption is logged when it starts and ends
/// and counted as <c>event_bus_failures{operation=subscription}</c>.
/// </remarks>
public sealed partial class EventRelay(EventLog log, EventHub hub, EventBus bus, EventRedis redis, EventMetrics metrics, TimeProvider time, ILogger<EventRelay> logger)
    : IHostedService
{
    private static readonly TimeSpan s_subscribeTimeout = TimeSpan.FromSeconds(5);

    private readonly Lock _outageLock = new();
    private ISubscriber? _subscriber;
    private DateTimeOffset? _interruptedSince;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var connection = redis.Store.Connection;
        _subscriber = connection.GetSubscriber();
        connection.ConnectionFailed += OnConnectionFailed;
        connection.ConnectionRestored += OnConnectionRestored;
        try
        {
            // Without Redis this registers the handler and returns; the multiplexer subscribes on connect.
            // The wait is bounded because SE.Redis 1.x never times out an async call to a hung server.
            await _subscriber.SubscribeAsync(log.Channel, OnMessage).WaitAsync(s_subscribeTimeout, cancellationToken);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            LogSubscribeFailed(logger, exception);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var connection = redis.Store.Connection;
        connection.ConnectionFailed -= OnConnectionFailed;
        connection.ConnectionRestored -= OnConnectionRestored;
        if (_subscriber is not null && connection.IsConnected)
        {
            try
            {
                await _subscriber.UnsubscribeAsync(log.Channel, OnMessage).WaitAsync(TimeSpan.FromSeconds(1), cancellationToken);
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException or OperationCanceledException)
            {
                // Stopping anyway; Redis drops the subscription with the connection.
            }
        }
    }

    private void OnMessage(RedisChannel channel, RedisValue message)
    {
        if (!EventLog.TryParseMessage(message!, time.GetTimestamp(), out var origin, out var userId, out var frame))
        {
            LogMalformedMessage(logger);
            return;
        }

        if (origin != bus.Origin)
        {
            hub.Deliver(userId, frame);
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs args)
    {
        if (args.ConnectionType != ConnectionType.Subscription)
        {
            return;
        }

        lock (_outageLock)
        {
            if (_interruptedSince is not null)
            {
                return;
            }

            _interruptedSince = time.GetUtcNow();
        }

        metrics.Failed("subscription");
        LogInterrupted(logger, args.FailureType, args.Exception);
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs args)
    {
        if (args.ConnectionType != ConnectionType.Subscription)
        {
            return;
        }

        DateTimeOffset? since;
        lock (_outageLock)
        {
            since = _interruptedSince;
            _interruptedSince = null;
        }

        if (since is { } start)
        {
            var interruptedMs = (time.GetUtcNow() - start).TotalMilliseconds;
            LogResumed(logger, interruptedMs);
        }
    }

    [LoggerMessage(EventName = "event_relay_interrupted", Level = LogLevel.Warning,
        Message = "events from other replicas interrupted: the Redis subscription is down")]
    private static partial void LogInterrupted(ILogger logger, ConnectionFailureType failure, Exception? exception);

    [LoggerMessage(EventName = "event_relay_resumed", Level = LogLevel.Information, Message = "events from other replicas resumed")]
    private static partial void LogResumed(ILogger logger, double interruptedMs);

    [LoggerMessage(EventName = "event_relay_subscribe_failed", Level = LogLevel.Warning, Message = "subscribing to the events channel did not complete; the multiplexer subscribes again when it reconnects")]
    private static partial void LogSubscribeFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventName = "event_relay_malformed", Level = LogLevel.Warning, Message = "ignored a malformed message on the events channel")]
    private static partial void LogMalformedMessage(ILogger logger);
}
