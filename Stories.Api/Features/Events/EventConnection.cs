using System.Threading.Channels;

namespace Stories.Api.Features.Events;

public enum StreamCloseReason { None, ClientGone, TokenExpired, Overflow, ServerStopping }

/// <summary>
/// One open SSE or WebSocket stream of one user on this replica: a bounded queue the hub writes to
/// without ever waiting, and the stream's loop reads from. Close it from anywhere with a reason; the
/// loop notices through <see cref="Closing"/>.
/// </summary>
public sealed class EventConnection : IAsyncDisposable
{
    private readonly Channel<EventFrame> _frames;
    private readonly CancellationTokenSource _closing;
    private readonly Func<EventConnection, ValueTask> _release;
    private readonly List<IDisposable> _timers = [];
    private int _reason;
    private int _released;

    internal EventConnection(
        Guid userId, string transport, DateTimeOffset tokenExpiresAt, int bufferSize, Func<EventConnection, ValueTask> release, CancellationToken stopping)
    {
        UserId = userId;
        Transport = transport;
        TokenExpiresAt = tokenExpiresAt;
        // Bounded, and written with TryWrite only: a slow client can never make the Redis subscriber or a
        // publishing request wait. When the queue is full the client is cut off instead (see Deliver).
        _frames = Channel.CreateBounded<EventFrame>(new BoundedChannelOptions(bufferSize)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _closing = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        _release = release;
    }

    /// <summary>Identifies the stream's slot in the per-user limit.</summary>
    public Guid Id { get; } = Guid.NewGuid();

    public Guid UserId { get; }

    /// <summary><c>sse</c> or <c>ws</c>.</summary>
    public string Transport { get; }

    /// <summary>When the token that opened the stream expires; the stream ends then.</summary>
    public DateTimeOffset TokenExpiresAt { get; }

    public ChannelReader<EventFrame> Frames => _frames.Reader;

    /// <summary>Cancelled when the stream must end: closed with a reason, or the server is stopping.</summary>
    public CancellationToken Closing => _closing.Token;

    public StreamCloseReason Reason => (StreamCloseReason)Volatile.Read(ref _reason);

    /// <summary>Set once the stream passed the limit and counts as open; a refused one only leaves the hub.</summary>
    public bool IsOpen { get; internal set; }

    /// <summary>
    /// Queues an event without waiting. A full queue means the client reads slower than events arrive:
    /// dropping events silently would leave it wrong without knowing, so the stream is closed instead and
    /// the client's reconnect with <c>Last-Event-ID</c> replays what it missed from the log.
    /// </summary>
    public void Deliver(EventFrame frame)
    {
        if (!_frames.Writer.TryWrite(frame))
        {
            Close(StreamCloseReason.Overflow);
        }
    }

    /// <summary>Asks the loop for a heartbeat; skipped when the queue is full, since the stream is busy anyway.</summary>
    public void Beat() => _frames.Writer.TryWrite(EventFrame.Heartbeat);

    public void Close(StreamCloseReason reason)
    {
        Interlocked.CompareExchange(ref _reason, (int)reason, (int)StreamCloseReason.None);
        try
        {
            _closing.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // A timer or the hub raced the release; the stream is already gone.
        }
    }

    internal void Own(IDisposable timer) => _timers.Add(timer);

    /// <summary>Leaves the hub and frees the slot, once, however many paths end the stream.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _released, 1) == 1)
        {
            return;
        }

        _frames.Writer.TryComplete();
        foreach (var timer in _timers)
        {
            timer.Dispose();
        }

        await _release(this);
        _closing.Dispose();
    }
}
