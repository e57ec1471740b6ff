using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;

namespace Stories.Api.Features.Events;

public static class EventsSetup
{
    /// <summary>The streams' policy: a bearer token or an event ticket.</summary>
    public const string StreamPolicy = "EventStream";

    /// <summary>
    /// The event bus (Redis log and fan-out, this replica's hub and its subscription), the streams, the
    /// ticket scheme and the WebSocket keep-alive. Needs <c>AddStoriesRedis()</c> and <c>AddStoriesAuth()</c>.
    /// </summary>
    public static IHostApplicationBuilder AddEvents(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<EventsOptions>().BindConfiguration(EventsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<EventMetrics>();
        services.AddSingleton<EventRedis>();
        services.AddSingleton<EventLog>();
        services.AddSingleton<EventHub>();
        services.AddSingleton<EventBus>();
        services.AddSingleton<StreamSlots>();
        services.AddSingleton<EventStreams>();
        services.AddSingleton<EventTickets>();
        services.AddSingleton<EventRelay>();
        services.AddHostedService(services => services.GetRequiredService<EventRelay>());

        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, EventTicketAuthenticationHandler>(EventTicketAuthenticationHandler.SchemeName, configureOptions: null);
        services.AddAuthorizationBuilder().AddPolicy(StreamPolicy, policy => policy
            .AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme, EventTicketAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser());

        services.AddOptions<WebSocketOptions>().Configure<IOptions<EventsOptions>>((webSockets, events) =>
        {
            webSockets.KeepAliveInterval = events.Value.HeartbeatInterval;
            // A client that has not answered a ping for this long is gone; by then its slot has lapsed too.
            webSockets.KeepAliveTimeout = events.Value.SlotLease;
        });
        return builder;
    }
}
