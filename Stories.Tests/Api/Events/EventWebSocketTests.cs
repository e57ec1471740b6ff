using System.Net.WebSockets;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Events;

/// <summary><c>GET /ws</c>: the same events as SSE, as JSON text frames.</summary>
[Trait("Category", TestCategories.RedisCluster)]
public sealed class EventWebSocketTests(EventsApiFactory factory) : IClassFixture<EventsApiFactory>
{
    [Fact]
    public async Task WebSocketCarriesTheSameEnvelopeAndIdAsServerSentEvents()
    {
        var author = await factory.SignUpAsync();
        var viewer = await factory.SignUpAsync();
        using var authorClient = factory.CreateClientFor(author);
        using var viewerClient = factory.CreateClientFor(viewer);
        var storyId = await authorClient.CreateStoryIdAsync("both ways");
        await using var sse = await SseClient.OpenAsync(authorClient);
        await using var socket = await WebSocketClient.ConnectAsync(factory, author.Token);

        await viewerClient.ViewAsync(storyId);
        var overSse = await sse.NextEventAsync();
        var overSocket = await socket.NextEventAsync();

        Assert.Equal("story.viewed", overSocket.Type);
        Assert.Equal(overSse.Id, overSocket.Id);
        Assert.Equal(overSse.Payload.GetRawText(), overSocket.Payload.GetRawText());
        Assert.Equal(["id", "payload", "type"], overSocket.Envelope.EnumerateObject().Select(p => p.Name).Order());
    }

    [Fact]
    public async Task WebSocketReplaysFromTheLastEventIdQuery()
    {
        var author = await factory.SignUpAsync();
        var fan = await factory.SignUpAsync();
        using var authorClient = factory.CreateClientFor(author);
        using var fanClient = factory.CreateClientFor(fan);
        var storyId = await authorClient.CreateStoryIdAsync("socket replay");
        string lastSeen;
        await using (var socket = await WebSocketClient.ConnectAsync(factory, author.Token))
        {
            await fanClient.ReactAsync(storyId, "👍");
            lastSeen = (await socket.NextEventAsync()).Id!;
        }

        await fanClient.ReactAsync(storyId, "😮");
        await fanClient.ReactAsync(storyId, "😢");
        await using var resumed = await WebSocketClient.ConnectAsync(factory, author.Token, $"?last_event_id={lastSeen}");

        Assert.Equal(["😮", "😢"], await resumed.NextReactionsAsync(2));
    }

    [Fact]
    public async Task WebSocketClosesWithPolicyViolationWhenTheTokenExpires()
    {
        var now = factory.Clock.GetUtcNow();
        var token = ApiTestExtensions.CreateToken(Guid.NewGuid(), issuedAt: now, expires: now.AddSeconds(2));

        await using var socket = await WebSocketClient.ConnectAsync(factory, token);
        await socket.WaitForEndAsync();

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, socket.CloseStatus);
    }
}
