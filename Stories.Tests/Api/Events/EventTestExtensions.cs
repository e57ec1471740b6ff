using System.Net;
using System.Net.Http.Json;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Events;

public static class EventTestExtensions
{
    public static async Task ViewAsync(this HttpClient client, Guid storyId)
    {
        var response = await client.PostAsync($"/stories/{storyId}/view", null);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    public static async Task ReactAsync(this HttpClient client, Guid storyId, string emoji)
    {
        var response = await client.PostJsonAsync($"/stories/{storyId}/reactions", new { emoji });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    /// <summary>A ticket from <c>POST /events/ticket</c>, asserted well-formed.</summary>
    public static async Task<string> CreateTicketAsync(this HttpClient client)
    {
        var response = await client.PostAsync("/events/ticket", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<TicketBody>(ApiTestExtensions.Json);
        Assert.False(string.IsNullOrEmpty(body?.Ticket));
        return body.Ticket;
    }

    /// <summary>The emoji of the next <paramref name="count"/> events, which must all be reactions.</summary>
    public static async Task<List<string>> NextReactionsAsync(this IEventClient stream, int count)
    {
        var emoji = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var received = await stream.NextEventAsync();
            Assert.Equal("story.reacted", received.Type);
            emoji.Add(received.Payload.GetProperty("emoji").GetString()!);
        }

        return emoji;
    }

    /// <summary>
    /// Reacts until a reaction reaches <paramref name="stream"/> on another replica, for after Redis
    /// returns: the first reactions may find that replica's subscription not restored yet (SE.Redis
    /// reconnects on its own schedule, then resubscribes). Gives up after 30 s.
    /// </summary>
    public static async Task<ReceivedEvent> ReactUntilDeliveredAsync(this HttpClient reactor, Guid storyId, IEventClient stream)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            await reactor.ReactAsync(storyId, "🔥");
            try
            {
                return await stream.NextEventAsync(TimeSpan.FromSeconds(1));
            }
            catch (TimeoutException) when (DateTime.UtcNow < deadline)
            {
                // Not yet; try again.
            }
        }
    }

    /// <summary>
    /// Two more reactions arrive once each and in order — a subscription attached twice while
    /// recovering would deliver each twice. Late 🔥 stragglers of <see cref="ReactUntilDeliveredAsync"/> are skipped.
    /// </summary>
    public static async Task AssertNextReactionsArriveOnceAsync(this HttpClient reactor, Guid storyId, IEventClient stream)
    {
        await reactor.ReactAsync(storyId, "😂");
        await reactor.ReactAsync(storyId, "😢");
        string emoji;
        do
        {
            emoji = (await stream.NextReactionsAsync(1))[0];
        }
        while (emoji == "🔥");

        Assert.Equal(["😂", "😢"], [emoji, .. await stream.NextReactionsAsync(1)]);
    }

    private sealed record TicketBody(string Ticket, DateTimeOffset ExpiresAt);
}
