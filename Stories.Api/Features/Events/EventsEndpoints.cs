using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Stories.Api.Auth;
using Stories.Api.Infrastructure.RateLimiting;

namespace Stories.Api.Features.Events;

public static class EventsEndpoints
{
    public static IEndpointRouteBuilder MapEvents(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("Events");

        // The streams accept a ticket as well as the bearer header (see EventsSetup.StreamPolicy);
        // minting a ticket takes the header, so a ticket cannot buy another.
        group.MapGet("/events", StreamAsync).RequireAuthorization(EventsSetup.StreamPolicy).WithName("StreamEvents");
        group.MapGet("/ws", StreamOverWebSocketAsync).RequireAuthorization(EventsSetup.StreamPolicy).WithName("StreamEventsOverWebSocket");
        group.MapPost("/events/ticket", CreateTicketAsync).RequireAuthorization().WithName("CreateEventTicket").RequireRateLimit(RateLimitPolicy.Tickets);
        return app;
    }

    /// <summary>
    /// Server-sent events; <c>Last-Event-ID</c> replays what the client missed. A browser resuming with
    /// a fresh ticket opens a new <c>EventSource</c>, which cannot set that header, so <c>?last_event_id=</c>
    /// (as on <c>/ws</c>) stands in for it; the header wins when both are sent.
    /// </summary>
    private static async Task<Results<ServerSentEventsResult, ProblemHttpResult>> StreamAsync(
        [FromHeader(Name = "Last-Event-ID")] string? lastEventIdHeader,
        [FromQuery(Name = "last_event_id")] string? lastEventIdQuery,
        ClaimsPrincipal user,
        EventStreams streams,
        HttpResponse response,
        CancellationToken cancellationToken)
    {
        var connection = await streams.TryOpenAsync(user.GetUserId(), user.GetTokenExpiry(), "sse");
        if (connection is null)
        {
            return TooManyStreams(streams);
        }

        response.RegisterForDisposeAsync(connection);
        return new ServerSentEventsResult(connection, lastEventIdHeader ?? lastEventIdQuery, cancellationToken);
    }

    /// <summary>The same events over a WebSocket; <c>?last_event_id=</c> replays what the client missed.</summary>
    private static async Task<Results<WebSocketEventsResult, ProblemHttpResult>> StreamOverWebSocketAsync(
        [FromQuery(Name = "last_event_id")] string? lastEventId,
        ClaimsPrincipal user,
        EventStreams streams,
        HttpContext context,
        CancellationToken cancellationToken)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status400BadRequest,
                title: "GET /ws needs a WebSocket upgrade.",
                detail: "Open it with a WebSocket client, or use GET /events for server-sent events.");
        }

        var connection = await streams.TryOpenAsync(user.GetUserId(), user.GetTokenExpiry(), "ws");
        if (connection is null)
        {
            return TooManyStreams(streams);
        }

        context.Response.RegisterForDisposeAsync(connection);
        return new WebSocketEventsResult(connection, lastEventId, cancellationToken);
    }

    /// <summary>A single-use ticket for <c>?ticket=</c>, for clients that cannot send headers (EventSource, browser WebSocket).</summary>
    private static async Task<Results<Ok<TicketResponse>, ProblemHttpResult>> CreateTicketAsync(
        ClaimsPrincipal user, EventTickets tickets, HttpResponse response, CancellationToken cancellationToken)
    {
        try
        {
            return TypedResults.Ok(await tickets.CreateAsync(user.GetUserId(), user.GetTokenExpiry(), cancellationToken));
        }
        catch (EventBusUnavailableException)
        {
            response.Headers.RetryAfter = "5";
            return TypedResults.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "Event tickets are unavailable.",
                detail: "Tickets are kept in Redis, which does not answer. Streams opened with the Authorization header still work.");
        }
    }

    private static ProblemHttpResult TooManyStreams(EventStreams streams) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many open event streams.",
            detail: $"At most {streams.MaxStreamsPerUser} event streams (SSE and WebSocket together) may be open per user. Close one first.");
}
