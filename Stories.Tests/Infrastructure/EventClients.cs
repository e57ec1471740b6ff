using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Stories.Tests.Infrastructure;

/// <summary>One event as a client received it: the envelope <c>{type, payload}</c> and the id it came with.</summary>
public sealed record ReceivedEvent(string Type, string? Id, JsonElement Envelope)
{
    public JsonElement Payload => Envelope.GetProperty("payload");
}

/// <summary>What the tests read from either transport.</summary>
public interface IEventClient : IAsyncDisposable
{
    /// <summary>The next event (heartbeats skipped); fails after <paramref name="timeout"/> (10 s unless told).</summary>
    Task<ReceivedEvent> NextEventAsync(TimeSpan? timeout = null);

    /// <summary>Completes when the server has ended the stream; fails after 10 s.</summary>
    Task WaitForEndAsync();
}

/// <summary>
/// A real <c>GET /events</c> over the factory's Kestrel socket, parsed as the EventSource spec reads
/// it. A background loop reads the body into a queue, so a test can wait for the next frame with a
/// timeout without losing one that arrives late.
/// </summary>
public sealed class SseClient : IEventClient
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly HttpResponseMessage _response;
    private readonly Channel<SseFrame> _frames = Channel.CreateUnbounded<SseFrame>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reading;

    private SseClient(HttpResponseMessage response)
    {
        _response = response;
        _reading = ReadAsync();
    }

    /// <summary>Sends the request and returns the response as soon as its headers arrive (the body is a stream).</summary>
    public static async Task<HttpResponseMessage> SendAsync(HttpClient client, string path = "/events", string? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(DefaultTimeout);
    }

    /// <summary>Opens a stream and asserts it is one: 200, <c>text/event-stream</c>.</summary>
    public static async Task<SseClient> OpenAsync(HttpClient client, string path = "/events", string? lastEventId = null)
    {
        var response = await SendAsync(client, path, lastEventId);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var body = await response.Content.ReadAsStringAsync();
            response.Dispose();
            Assert.Fail($"GET {path} answered {(int)response.StatusCode}: {body}");
        }

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new SseClient(response);
    }

    /// <summary>The next frame, heartbeat comments included.</summary>
    public async Task<SseFrame> NextFrameAsync(TimeSpan? timeout = null)
    {
        using var wait = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            return await _frames.Reader.ReadAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No SSE frame within {timeout ?? DefaultTimeout}.");
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException("The server ended the stream.");
        }
    }

    public async Task<ReceivedEvent> NextEventAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException($"No SSE event within {timeout ?? DefaultTimeout}.");
            }

            var frame = await NextFrameAsync(remaining);
            if (frame.Comment is not null)
            {
                continue;
            }

            var envelope = JsonDocument.Parse(frame.Data!).RootElement.Clone();
            Assert.Equal(frame.Event, envelope.GetProperty("type").GetString());
            Assert.Equal(["payload", "type"], envelope.EnumerateObject().Select(property => property.Name).Order());
            return new ReceivedEvent(frame.Event!, frame.Id, envelope);
        }
    }

    public async Task WaitForEndAsync()
    {
        using var wait = new CancellationTokenSource(DefaultTimeout);
        while (await _frames.Reader.WaitToReadAsync(wait.Token))
        {
            _frames.Reader.TryRead(out _);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _response.Dispose();
        try
        {
            await _reading.WaitAsync(DefaultTimeout);
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or HttpRequestException or ObjectDisposedException)
        {
            // Closing the stream from this side is how it ends.
        }

        _stop.Dispose();
    }

    private async Task ReadAsync()
    {
        try
        {
            using var reader = new StreamReader(await _response.Content.ReadAsStreamAsync(_stop.Token), Encoding.UTF8);
            string? eventType = null, id = null, data = null;
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                if (line.Length == 0)
                {
                    if (data is not null)
                    {
                        _frames.Writer.TryWrite(new SseFrame(eventType ?? "message", id, data, Comment: null));
                    }

                    eventType = id = data = null;
                }
                else if (line.StartsWith(':'))
                {
                    _frames.Writer.TryWrite(new SseFrame(null, null, null, line[1..].Trim()));
                }
                else
                {
                    var colon = line.IndexOf(':', StringComparison.Ordinal);
                    var field = colon < 0 ? line : line[..colon];
                    var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
                    switch (field)
                    {
                        case "event": eventType = value; break;
                        case "id": id = value; break;
                        case "data": data = data is null ? value : data + "\n" + value; break;
                    }
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or HttpRequestException or ObjectDisposedException)
        {
            // Ended by DisposeAsync, or by the server dropping the connection.
        }
        finally
        {
            _frames.Writer.TryComplete();
        }
    }
}

/// <summary>One SSE frame: an event (type, id, data) or a comment.</summary>
public sealed record SseFrame(string? Event, string? Id, string? Data, string? Comment);

/// <summary>A real WebSocket to <c>GET /ws</c>, receiving in the background like <see cref="SseClient"/>.</summary>
public sealed class WebSocketClient : IEventClient
{
    private readonly ClientWebSocket _socket;
    private readonly Channel<ReceivedEvent> _events = Channel.CreateUnbounded<ReceivedEvent>();
    private readonly Task _receiving;

    private WebSocketClient(ClientWebSocket socket)
    {
        _socket = socket;
        _receiving = ReceiveAsync();
    }

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    /// <summary>Connects with the bearer header (a token) or with nothing but the query (a ticket).</summary>
    public static async Task<WebSocketClient> ConnectAsync(StoriesApiFactory factory, string? token, string query = "")
    {
        using var http = factory.CreateClient();
        var uri = new UriBuilder(new Uri(http.BaseAddress!, "/ws" + query)) { Scheme = "ws" }.Uri;
        var socket = new ClientWebSocket();
        if (token is not null)
        {
            socket.Options.SetRequestHeader("Authorization", $"Bearer {token}");
        }

        await socket.ConnectAsync(uri, CancellationToken.None).WaitAsync(SseClient.DefaultTimeout);
        return new WebSocketClient(socket);
    }

    public async Task<ReceivedEvent> NextEventAsync(TimeSpan? timeout = null)
    {
        using var wait = new CancellationTokenSource(timeout ?? SseClient.DefaultTimeout);
        try
        {
            return await _events.Reader.ReadAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No WebSocket message within {timeout ?? SseClient.DefaultTimeout}.");
        }
    }

    public async Task WaitForEndAsync()
    {
        using var wait = new CancellationTokenSource(SseClient.DefaultTimeout);
        while (await _events.Reader.WaitToReadAsync(wait.Token))
        {
            _events.Reader.TryRead(out _);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(SseClient.DefaultTimeout);
            try
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            }
            catch (Exception exception) when (exception is WebSocketException or OperationCanceledException)
            {
                // The server is gone already.
            }
        }

        _socket.Abort();
        await _receiving.WaitAsync(SseClient.DefaultTimeout);
        _socket.Dispose();
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var message = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                    message.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                Assert.Equal(WebSocketMessageType.Text, result.MessageType);
                var json = JsonDocument.Parse(message.ToArray()).RootElement.Clone();
                var id = json.GetProperty("id");
                _events.Writer.TryWrite(new ReceivedEvent(
                    json.GetProperty("type").GetString()!,
                    id.ValueKind == JsonValueKind.Null ? null : id.GetRawText(),
                    json));
            }
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Aborted by DisposeAsync, or the server dropped the connection.
        }
        finally
        {
            _events.Writer.TryComplete();
        }
    }
}
