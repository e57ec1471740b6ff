using System.ComponentModel.DataAnnotations;

namespace Stories.Api.Features.Events;

public sealed class EventsOptions
{
    public const string SectionName = "Events";

    /// <summary>
    /// How often an idle stream is proven alive: an SSE <c>: ping</c> comment, a WebSocket ping frame.
    /// At most 25 s, so proxies with a 30 s idle timeout never cut a quiet stream. It also paces the
    /// token-expiry check and the renewal of the stream's slot.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:00:25")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>Open streams (SSE and WebSocket together, on every replica) one user may hold; one more is a 429.</summary>
    [Range(1, 100)]
    public int MaxStreamsPerUser { get; set; } = 5;

    /// <summary>How many of a user's newest events Redis keeps for <c>Last-Event-ID</c> replay.</summary>
    [Range(1, 10_000)]
    public int ReplayLength { get; set; } = 1000;

    /// <summary>How long a user's replay log outlives their newest event.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan ReplayRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a <c>POST /events/ticket</c> ticket may wait before its single use.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan TicketLifetime { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Events one connection may have waiting to be written. A client that falls this far behind is
    /// disconnected rather than silently skipped: it reconnects with <c>Last-Event-ID</c> and replays.
    /// </summary>
    [Range(8, 100_000)]
    public int ConnectionBufferSize { get; set; } = 256;

    /// <summary>
    /// The longest a request waits on Redis for the event bus before carrying on without it. Views and
    /// reactions await the publish, so this bounds what a hung Redis can add to them.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:10")]
    public TimeSpan RedisTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long a stream's slot counts towards <see cref="MaxStreamsPerUser"/> without being renewed by a
    /// heartbeat: long enough to survive a missed renewal, short enough that the slots of a crashed
    /// replica free themselves within a minute.
    /// </summary>
    public TimeSpan SlotLease => HeartbeatInterval * 2 + TimeSpan.FromSeconds(10);
}
