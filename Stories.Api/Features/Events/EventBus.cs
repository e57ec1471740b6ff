using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Stories.Api.Features.Events;

/// <summary>
/// Raises an event for one user: logged in Redis for replay and published to every replica in one
/// script. This replica's streams get it from the channel like every other replica's (see
/// <see cref="EventRelay"/>, which keeps a user's events in id order); only while the relay's
/// subscription is not live, or Redis did not take the event, are they handed the event directly.
/// </summary>
/// <remarks>
/// Publishing never throws and never waits on Redis longer than <see cref="EventsOptions.RedisTimeout"/>:
/// the view or reaction it reports is already committed, and answering 5xx would only make clients
/// retry a write that succeeded. Without Redis the event still reaches this replica's streams, under
/// an id from <see cref="EventHub.NextLocalId"/>; other replicas and replay never see it (the gap,
/// counted as <c>event_bus_failures{operation=publish}</c>). A stream skips an id it has just written,
/// so an event that arrives both ways while the subscription comes back is written once.
/// </remarks>
public sealed partial class EventBus(
    EventLog log, EventHub hub, EventRelay relay, EventMetrics metrics, IOptions<JsonOptions> json, TimeProvider time, ILogger<EventBus> logger)
{
    public async Task PublishAsync<TPayload>(Guid recipientId, string type, TPayload payload)
    {
        var raisedAt = time.GetTimestamp();
        try
        {
            var payloadJson = JsonSerializer.Serialize(payload, json.Value.SerializerOptions);
            long id;
            bool reachedRedis;
            try
            {
                id = await log.AppendAsync(recipientId, type, payloadJson, relay.Origin);
                reachedRedis = true;
            }
            catch (EventBusUnavailableException)
            {
                id = hub.NextLocalId(recipientId, time.GetUtcNow());
                reachedRedis = false;
            }

            if (!reachedRedis || !relay.IsLive)
            {
                hub.Deliver(recipientId, new EventFrame(id, type, payloadJson) { ArrivedAt = raisedAt });
            }

            metrics.Published(reachedRedis);
        }
        catch (Exception exception)
        {
            // Anything else is a bug in the bus, and still no reason to fail a committed view or reaction.
            LogPublishFailed(logger, type, recipientId, exception);
        }
    }

    [LoggerMessage(EventName = "event_publish_failed", Level = LogLevel.Error, Message = "event could not be published")]
    private static partial void LogPublishFailed(ILogger logger, string type, Guid recipientId, Exception exception);
}
