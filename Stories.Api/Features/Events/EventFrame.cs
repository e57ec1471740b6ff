using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Stories.Api.Features.Events;

/// <summary>
/// One event as it goes out: its per-user id, its type and its payload as JSON text. The bytes for
/// each transport are rendered once and shared by every connection the event goes to.
/// </summary>
public sealed class EventFrame(long? id, string type, string payloadJson)
{
    private static readonly byte[] s_ping = ": ping\n\n"u8.ToArray();

    private byte[]? _serverSentEvent;
    private byte[]? _webSocketMessage;

    /// <summary>A tick of the connection's heartbeat rather than an event; never written as one.</summary>
    public static EventFrame Heartbeat { get; } = new(null, "heartbeat", "{}");

    /// <summary>
    /// Tells the client that replay was not possible. It carries the newest id the log holds (or none),
    /// so a client that refetches and reconnects later resumes from there instead of resetting again.
    /// </summary>
    public static EventFrame Reset(long? newestId) => new(newestId, EventTypes.Reset, "{}");

    /// <summary>Null only for a reset when no event is held for the user.</summary>
    public long? Id { get; } = id;

    public string Type { get; } = type;

    public string PayloadJson { get; } = payloadJson;

    public bool IsHeartbeat => ReferenceEquals(this, Heartbeat);

    /// <summary>
    /// <see cref="TimeProvider.GetTimestamp"/> when the event reached this replica — off the channel, or
    /// raised here while the subscription is not live; 0 for replayed frames, whose delivery is not a
    /// live latency.
    /// </summary>
    public long ArrivedAt { get; init; }

    /// <summary>The SSE comment that keeps an idle stream open.</summary>
    public static ReadOnlyMemory<byte> ServerSentPing => s_ping;

    /// <summary><c>event:</c> type, <c>id:</c> id, <c>data:</c> the envelope <c>{type, payload}</c>.</summary>
    public ReadOnlyMemory<byte> ServerSentEvent => _serverSentEvent ??= RenderServerSentEvent();

    /// <summary>The envelope with the id added, since a WebSocket client has no <c>id:</c> field to read it from.</summary>
    public ReadOnlyMemory<byte> WebSocketMessage => _webSocketMessage ??= RenderJson(includeId: true);

    private byte[] RenderServerSentEvent()
    {
        // An empty id: line clears the browser's last event id, so an EventSource reconnecting after a
        // reset with nothing to resume from does not ask for a replay (and get a reset) again.
        var head = $"event: {Type}\nid: {Id?.ToString(CultureInfo.InvariantCulture)}\ndata: ";
        var envelope = RenderJson(includeId: false);
        var bytes = new byte[Encoding.UTF8.GetByteCount(head) + envelope.Length + 2];
        var written = Encoding.UTF8.GetBytes(head, bytes);
        envelope.CopyTo(bytes, written);
        bytes[^2] = (byte)'\n';
        bytes[^1] = (byte)'\n';
        return bytes;
    }

    private byte[] RenderJson(bool includeId)
    {
        var buffer = new ArrayBufferWriter<byte>(PayloadJson.Length + 64);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (includeId)
            {
                if (Id is { } value)
                {
                    json.WriteNumber("id", value);
                }
                else
                {
                    json.WriteNull("id");
                }
            }

            json.WriteString("type", Type);
            json.WritePropertyName("payload");
            json.WriteRawValue(PayloadJson, skipInputValidation: true);
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
