using System.Globalization;
using System.Net.WebSockets;
using Microsoft.Extensions.Options;

namespace Stories.Api.Features.Events;

/// <summary>What a stream writes to: an SSE response or a WebSocket.</summary>
public interface IEventSink
{
    Task StartAsync(CancellationToken cancellationToken);

    Task WriteAsync(EventFrame frame, CancellationToken cancellationToken);

    Task HeartbeatAsync(CancellationToken cancellationToken);

    Task CloseAsync(StreamCloseReason reason);
}

/// <summary>
/// Opens a user's stream within the limit, then runs it: replay from the last id the client saw,
/// then live events, heartbeats, and the end when the token expires, the client goes, it falls too
/// far behind or the server stops. The same loop serves SSE and WebSocket.
/// </summary>
public sealed partial class EventStreams(
    EventHub hub,
    EventLog log,
    StreamSlots slots,
    EventMetrics metrics,
    IOptions<EventsOptions> options,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<EventStreams> logger)
{
    // Timers take at most ~49 days; a token lives at most 7.
    private static readonly TimeSpan s_longestTimer = TimeSpan.FromDays(30);

    public int MaxStreamsPerUser => options.Value.MaxStreamsPerUser;

    /// <summary>
    /// Registers a stream for the user, or returns null when they already hold
    /// <see cref="EventsOptions.MaxStreamsPerUser"/> — decided before anything is written, so the
    /// refusal can still be a 429.
    /// </summary>
    public async Task<EventConnection?> TryOpenAsync(Guid userId, DateTimeOffset tokenExpiresAt, string transport)
    {
        var settings = options.Value;
        var connection = new EventConnection(
            userId, transport, tokenExpiresAt, settings.ConnectionBufferSize, ReleaseAsync, lifetime.ApplicationStopping);
        if (!hub.TryAdd(connection, settings.MaxStreamsPerUser) || !await slots.TryAcquireAsync(connection))
        {
            await connection.DisposeAsync();
            metrics.Rejected(transport);
            return null;
        }

        connection.IsOpen = true;
        metrics.Opened(transport);
        connection.Own(time.CreateTimer(_ => connection.Beat(), null, settings.HeartbeatInterval, settings.HeartbeatInterval));
        var untilExpiry = TimeSpan.FromTicks(Math.Clamp((tokenExpiresAt - time.GetUtcNow()).Ticks, 0, s_longestTimer.Ticks));
        connection.Own(time.CreateTimer(_ => connection.Close(StreamCloseReason.TokenExpired), null, untilExpiry, Timeout.InfiniteTimeSpan));
        LogOpened(logger, userId, transport);
        return connection;
    }

    /// <summary>
    /// Runs the stream until it ends; never throws for a client that went away. <paramref name="lastEventId"/>
    /// is the last id the client saw (<c>Last-Event-ID</c>), or null for live events only.
    /// </summary>
    public async Task RunAsync(EventConnection connection, string? lastEventId, IEventSink sink, CancellationToken requestAborted)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(connection.Closing, requestAborted);
        var cancellationToken = stop.Token;
        try
        {
            await sink.StartAsync(cancellationToken);
            var skipUpTo = await ReplayAsync(connection, lastEventId, sink, cancellationToken);
            long? lastWritten = null;
            await foreach (var frame in connection.Frames.ReadAllAsync(cancellationToken))
            {
                if (frame.IsHeartbeat)
                {
                    // Checked here as well as by the expiry timer: this also catches a clock that jumped.
                    if (time.GetUtcNow() >= connection.TokenExpiresAt)
                    {
                        connection.Close(StreamCloseReason.TokenExpired);
                        break;
                    }

                    await sink.HeartbeatAsync(cancellationToken);
                    _ = slots.RenewAsync(connection);
                    continue;
                }

                // Already sent by the replay (it read the log after this stream joined the hub), or just now:
                // an event raised here can arrive from the bus and from the channel while the subscription comes back.
                if (frame.Id <= skipUpTo || frame.Id == lastWritten)
                {
                    continue;
                }

                await sink.WriteAsync(frame, cancellationToken);
                lastWritten = frame.Id;
                metrics.Delivered(connection.Transport, frame.ArrivedAt == 0 ? null : time.GetElapsedTime(frame.ArrivedAt));
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or WebSocketException)
        {
            // The client went away or the stream was closed; the reason is recorded below.
        }
        finally
        {
            var reason = connection.Reason switch
            {
                StreamCloseReason.None when lifetime.ApplicationStopping.IsCancellationRequested => StreamCloseReason.ServerStopping,
                StreamCloseReason.None => StreamCloseReason.ClientGone,
                var closed => closed,
            };
            connection.Close(reason);
            await sink.CloseAsync(reason);
            await connection.DisposeAsync();
        }
    }

    /// <summary>Sends what the client missed, or a reset; returns the id up to which live events are duplicates.</summary>
    private async Task<long> ReplayAsync(EventConnection connection, string? lastEventId, IEventSink sink, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(lastEventId))
        {
            return 0;
        }

        Replay replay;
        if (!long.TryParse(lastEventId, NumberStyles.None, CultureInfo.InvariantCulture, out var after))
        {
            replay = new Replay([], EventFrame.Reset(null));
        }
        else
        {
            try
            {
                replay = await log.ReadAfterAsync(connection.UserId, after);
            }
            catch (EventBusUnavailableException)
            {
                replay = new Replay([], EventFrame.Reset(null));
            }
        }

        if (replay.Reset is { } reset)
        {
            LogReset(logger, connection.UserId, lastEventId);
            await sink.WriteAsync(reset, cancellationToken);
            return reset.Id ?? 0;
        }

        var upTo = after;
        foreach (var frame in replay.Events)
        {
            await sink.WriteAsync(frame, cancellationToken);
            metrics.Delivered(connection.Transport, latency: null);
            upTo = frame.Id ?? upTo;
        }

        hub.Observe(connection.UserId, upTo);
        return upTo;
    }

    private async ValueTask ReleaseAsync(EventConnection connection)
    {
        hub.Remove(connection);
        if (!connection.IsOpen)
        {
            return;
        }

        await slots.ReleaseAsync(connection);
        metrics.Closed(connection.Transport, connection.Reason);
        if (connection.Reason == StreamCloseReason.Overflow)
        {
            LogOverflow(logger, connection.UserId, connection.Transport, options.Value.ConnectionBufferSize);
        }
        else
        {
            LogClosed(logger, connection.UserId, connection.Transport, connection.Reason);
        }
    }

    [LoggerMessage(EventName = "event_stream_opened", Level = LogLevel.Debug, Message = "event stream opened")]
    private static partial void LogOpened(ILogger logger, Guid userId, string transport);

    [LoggerMessage(EventName = "event_stream_closed", Level = LogLevel.Debug, Message = "event stream closed")]
    private static partial void LogClosed(ILogger logger, Guid userId, string transport, StreamCloseReason reason);

    [LoggerMessage(EventName = "event_stream_overflow", Level = LogLevel.Warning,
        Message = "event stream closed: the client fell too far behind; it replays on reconnect")]
    private static partial void LogOverflow(ILogger logger, Guid userId, string transport, int bufferSize);

    [LoggerMessage(EventName = "event_stream_reset", Level = LogLevel.Information, Message = "event stream cannot replay; sent a reset")]
    private static partial void LogReset(ILogger logger, Guid userId, string lastEventId);
}
