using StackExchange.Redis;
using Stories.Api.Infrastructure.Redis;

namespace Stories.Api.Features.Events;

/// <summary>
/// The replica's one subscription to the events channel, read through a <see cref="ChannelMessageQueue"/>
/// that hands messages over one by one, in the order they came. Every event logged in Redis reaches
/// this replica's streams through it — the ones raised here included — so a user's streams get their
/// events in id order: the append script assigns the id and publishes in one step, Redis runs scripts
/// one at a time, and the queue keeps channel order. One channel for all users keeps Redis at one
/// subscription per replica, whatever the number of users; the price is that every replica parses
/// every event's header, which is cheap next to holding a subscription per user.
/// </summary>
/// <remarks>
/// <para>
/// The subscription is <see cref="IsLive"/> once a probe this replica published on the channel came
/// back: from then on, nothing published is missed. Until then — at startup, and from the moment the
/// connection fails until a probe returns after SE.Redis resubscribed — <see cref="EventBus"/> hands
/// events raised here to the local streams itself, and events from other replicas do not arrive (they
/// stay replayable from the log). The interruption is logged when it starts and ends and counted as
/// <c>event_bus_failures{operation=subscription}</c>.
/// </para>
/// <para>
/// The subscription rides on the process's one multiplexer (its own socket there, as every SE.Redis
/// subscription). Only this queue pays for ordering: SE.Redis 2.x completes command replies and
/// handler-style subscriptions concurrently on the thread pool, and the queue alone is read in order.
/// </para>
/// </remarks>
public sealed partial class EventRelay(
    EventLog log, EventHub hub, RedisStore redis, EventMetrics metrics, TimeProvider time, ILogger<EventRelay> logger)
    : IHostedService, IDisposable
{
    /// <summary>The probe's type; sent for <see cref="Guid.Empty"/>, who has no streams, so replicas that do not know it deliver it to nobody.</summary>
    public const string ProbeType = "relay.probe";

    private static readonly TimeSpan s_subscribeTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_probeInterval = TimeSpan.FromMilliseconds(250);

    private readonly Lock _outageLock = new();
    private readonly CancellationTokenSource _stopping = new();
    private ChannelMessageQueue? _queue;
    private Task _probing = Task.CompletedTask;
    private DateTimeOffset? _interruptedSince;
    private volatile bool _live;
    private int _disposed;

    /// <summary>This replica's name on the channel; one per process (per host, in tests).</summary>
    public string Origin { get; } = Guid.NewGuid().ToString("N");

    /// <summary>True while every message published on the channel reaches this replica, in order.</summary>
    public bool IsLive => _live;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        redis.Connection.ConnectionFailed += OnConnectionFailed;
        await TrySubscribeAsync(cancellationToken);
        _probing = ProbeWhileInterruptedAsync(_stopping.Token);
    }

    /// <summary>
    /// Ends the probe loop and drops the subscription locally (the UNSUBSCRIBE is fire-and-forget, so a
    /// hung Redis cannot hold shutdown); the connection belongs to the process and closes with it.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // A test host that is disposed twice stops twice, the second time after Dispose.
        if (Volatile.Read(ref _disposed) == 1)
        {
            return;
        }

        await _stopping.CancelAsync();
        await _probing;
        Unsubscribe();
    }

    public void Dispose()
    {
        // Twice, too: the container disposes the singleton and the hosted-service registration that returns it.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        // Cancelled first: a host that failed to start disposes without StopAsync, and the probe loop
        // then sees the cancellation (checked before any wait) rather than a disposed source.
        _stopping.Cancel();
        redis.Connection.ConnectionFailed -= OnConnectionFailed;
        Unsubscribe();
        _stopping.Dispose();
    }

    /// <summary>
    /// Subscribes once. SE.Redis registers the queue before it asks the server, so a subscription whose
    /// call failed (Redis away at startup) is dropped again here — otherwise it would come alive on
    /// reconnect with a queue nobody reads — and the probe loop tries again while Redis is connected.
    /// </summary>
    private async Task TrySubscribeAsync(CancellationToken cancellationToken)
    {
        var subscriber = redis.Connection.GetSubscriber();
        try
        {
            var queue = await subscriber.SubscribeAsync(log.Channel).WaitAsync(s_subscribeTimeout, cancellationToken);
            queue.OnMessage(OnMessage);
            _queue = queue;
        }
        catch (Exception exception) when (RedisErrors.IsUnavailable(exception))
        {
            DropSubscription(subscriber);
            if (!cancellationToken.IsCancellationRequested)
            {
                LogSubscribeFailed(logger, exception);
            }
        }
    }

    private void Unsubscribe()
    {
        if (Interlocked.Exchange(ref _queue, null) is not null)
        {
            DropSubscription(redis.Connection.GetSubscriber());
        }
    }

    private void DropSubscription(ISubscriber subscriber)
    {
        try
        {
            subscriber.Unsubscribe(log.Channel, handler: null, CommandFlags.FireAndForget);
        }
        catch (Exception exception) when (exception is RedisException or ObjectDisposedException)
        {
            // Not connected, or the multiplexer was disposed first (a test host disposed twice): the local
            // registration is gone all the same, and Redis drops a subscription with its socket.
        }
    }

    /// <summary>While the subscription is not known to be live, publishes a probe on the channel every 250 ms; its return makes it live.</summary>
    private async Task ProbeWhileInterruptedAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            if (!_live && redis.Connection.IsConnected)
            {
                if (Volatile.Read(ref _queue) is null)
                {
                    await TrySubscribeAsync(stopping);
                }

                try
                {
                    // On the main connection, not through the prefixed database view: the channel name is prefixed already.
                    await redis.Connection.GetSubscriber().PublishAsync(log.Channel, EventLog.FormatMessage(Origin, Guid.Empty, 0, ProbeType, "{}"))
                        .WaitAsync(s_subscribeTimeout, stopping);
                }
                catch (Exception exception)
                {
                    // Redis is away or the replica is stopping; the next round tries again. Nothing may end
                    // this loop but stopping: without probes the subscription would never count as live.
                    LogProbeFailed(logger, exception);
                }
            }

            // Real time, not the injected clock: this paces network retries, and tests move the clock.
            await Task.Delay(s_probeInterval, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private void OnMessage(ChannelMessage message)
    {
        if (!EventLog.TryParseMessage(message.Message!, time.GetTimestamp(), out var origin, out var userId, out var frame))
        {
            LogMalformedMessage(logger);
            return;
        }

        if (frame.Type == ProbeType)
        {
            if (origin == Origin && !_live)
            {
                Resumed();
            }

            return;
        }

        hub.Deliver(userId, frame);
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs args)
    {
        if (args.ConnectionType != ConnectionType.Subscription)
        {
            return;
        }

        lock (_outageLock)
        {
            _live = false;
            if (_interruptedSince is not null)
            {
                return;
            }

            _interruptedSince = time.GetUtcNow();
        }

        metrics.Failed("subscription");
        LogInterrupted(logger, args.FailureType, args.Exception);
    }

    private void Resumed()
    {
        DateTimeOffset? since;
        lock (_outageLock)
        {
            _live = true;
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

    [LoggerMessage(EventName = "event_relay_subscribe_failed", Level = LogLevel.Warning, Message = "subscribing to the events channel did not complete; the relay tries again once Redis is connected")]
    private static partial void LogSubscribeFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventName = "event_relay_probe_failed", Level = LogLevel.Debug, Message = "publishing the relay's probe failed")]
    private static partial void LogProbeFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventName = "event_relay_malformed", Level = LogLevel.Warning, Message = "ignored a malformed message on the events channel")]
    private static partial void LogMalformedMessage(ILogger logger);
}
