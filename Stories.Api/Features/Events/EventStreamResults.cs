using System.Net.WebSockets;
using System.Reflection;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;

namespace Stories.Api.Features.Events;

/// <summary>
/// <c>text/event-stream</c>: <c>event:</c> type, <c>id:</c> id, <c>data:</c> the envelope, and a
/// <c>: ping</c> comment every heartbeat. Written by hand rather than with
/// <c>TypedResults.ServerSentEvents</c>, which cannot write comments.
/// </summary>
public sealed class ServerSentEventsResult(EventConnection connection, string? lastEventId, CancellationToken cancellationToken)
    : IResult, IEndpointMetadataProvider
{
    public Task ExecuteAsync(HttpContext httpContext) =>
        httpContext.RequestServices.GetRequiredService<EventStreams>()
            .RunAsync(connection, lastEventId, new ServerSentEventSink(httpContext.Response), cancellationToken);

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(string), ["text/event-stream"]));

    private sealed class ServerSentEventSink(HttpResponse response) : IEventSink
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            // Reverse proxies such as nginx buffer responses unless told otherwise, which would hold events back.
            response.Headers["X-Accel-Buffering"] = "no";
            response.HttpContext.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();
            await response.StartAsync(cancellationToken);
            await response.BodyWriter.FlushAsync(cancellationToken);
        }

        public async Task WriteAsync(EventFrame frame, CancellationToken cancellationToken) =>
            await response.BodyWriter.WriteAsync(frame.ServerSentEvent, cancellationToken);

        public async Task HeartbeatAsync(CancellationToken cancellationToken) =>
            await response.BodyWriter.WriteAsync(EventFrame.ServerSentPing, cancellationToken);

        public Task CloseAsync(StreamCloseReason reason) => Task.CompletedTask;
    }
}

/// <summary>
/// The same events as WebSocket text frames, one envelope (plus its <c>id</c>) per message. Keep-alive
/// is the protocol's own ping/pong (<see cref="WebSocketOptions.KeepAliveInterval"/>); messages from
/// the client are read only to notice a close, and otherwise ignored.
/// </summary>
public sealed class WebSocketEventsResult(EventConnection connection, string? lastEventId, CancellationToken cancellationToken)
    : IResult, IEndpointMetadataProvider
{
    public Task ExecuteAsync(HttpContext httpContext) =>
        httpContext.RequestServices.GetRequiredService<EventStreams>()
            .RunAsync(connection, lastEventId, new WebSocketEventSink(httpContext, connection), cancellationToken);

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status101SwitchingProtocols));

    private sealed class WebSocketEventSink(HttpContext context, EventConnection connection) : IEventSink
    {
        private static readonly TimeSpan s_closeTimeout = TimeSpan.FromSeconds(2);

        private WebSocket? _socket;

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            _socket = await context.WebSockets.AcceptWebSocketAsync();
            _ = ReceiveUntilClosedAsync(_socket);
        }

        public async Task WriteAsync(EventFrame frame, CancellationToken cancellationToken) =>
            await _socket!.SendAsync(frame.WebSocketMessage, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);

        public Task HeartbeatAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task CloseAsync(StreamCloseReason reason)
        {
            if (_socket is not { State: WebSocketState.Open or WebSocketState.CloseReceived })
            {
                return;
            }

            var (status, description) = reason switch
            {
                StreamCloseReason.TokenExpired => (WebSocketCloseStatus.PolicyViolation, "token expired"),
                // 1013 Try Again Later: the client was too slow; reconnecting with last_event_id replays the rest.
                StreamCloseReason.Overflow => ((WebSocketCloseStatus)1013, "too far behind; reconnect with last_event_id"),
                StreamCloseReason.ServerStopping => (WebSocketCloseStatus.EndpointUnavailable, "server stopping"),
                _ => (WebSocketCloseStatus.NormalClosure, "closed"),
            };
            try
            {
                using var timeout = new CancellationTokenSource(s_closeTimeout);
                await _socket.CloseOutputAsync(status, description, timeout.Token);
            }
            catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or IOException)
            {
                // The client is gone already.
            }
        }

        private async Task ReceiveUntilClosedAsync(WebSocket socket)
        {
            var buffer = new byte[256];
            try
            {
                // No cancellation token: cancelling a receive aborts the socket, and the close handshake
                // started by CloseAsync needs it alive. The receive ends when the client closes or the
                // request ends.
                while ((await socket.ReceiveAsync(buffer, CancellationToken.None)).MessageType != WebSocketMessageType.Close)
                {
                }
            }
            catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
            {
                // The connection dropped; handled below like a close.
            }

            connection.Close(StreamCloseReason.ClientGone);
        }
    }
}
