using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Events;

/// <summary>Who may open a stream, how (bearer header or single-use ticket), and how many at once.</summary>
[Trait("Category", TestCategories.RedisCluster)]
public sealed class EventAuthTests(EventsApiFactory factory) : IClassFixture<EventsApiFactory>
{
    [Theory]
    [InlineData("/events")]
    [InlineData("/ws")]
    [InlineData("/events?ticket=made-up")]
    public async Task StreamWithoutValidCredentialsIs401ProblemBeforeItOpens(string path)
    {
        using var client = factory.CreateClient();

        using var response = await SseClient.SendAsync(client, path);

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task StreamWithATokenSignedByAnotherKeyIs401()
    {
        var token = ApiTestExtensions.CreateToken(Guid.NewGuid(), signingKey: "another-signing-key-that-is-long-enough-for-hs256");
        using var client = factory.CreateClientWithToken(token);

        using var response = await SseClient.SendAsync(client);

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task WebSocketWithoutCredentialsIsRefusedWith401()
    {
        using var http = factory.CreateClient();
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;

        var attempt = () => socket.ConnectAsync(new UriBuilder(new Uri(http.BaseAddress!, "/ws")) { Scheme = "ws" }.Uri, CancellationToken.None);

        await Assert.ThrowsAsync<WebSocketException>(() => attempt().WaitAsync(SseClient.DefaultTimeout));
        Assert.Equal(HttpStatusCode.Unauthorized, socket.HttpStatusCode);
    }

    [Fact]
    public async Task TicketIsShortLivedAndOpensAStreamOnceWithoutTheHeader()
    {
        var user = await factory.SignUpAsync();
        var fan = await factory.SignUpAsync();
        using var userClient = factory.CreateClientFor(user);
        using var fanClient = factory.CreateClientFor(fan);
        var storyId = await userClient.CreateStoryIdAsync("ticketed");
        var response = await userClient.PostAsync("/events/ticket", null);
        var body = await response.ReadJsonAsync();
        var ticket = Uri.EscapeDataString(body.GetProperty("ticket").GetString()!);
        using var anonymous = factory.CreateClient();

        await using var stream = await SseClient.OpenAsync(anonymous, $"/events?ticket={ticket}");
        await fanClient.ReactAsync(storyId, "👍");
        var received = await stream.NextEventAsync();
        using var reuse = await SseClient.SendAsync(anonymous, $"/events?ticket={ticket}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var expiresAt = body.GetProperty("expires_at").GetDateTimeOffset();
        Assert.InRange(expiresAt, factory.Clock.GetUtcNow(), factory.Clock.GetUtcNow().AddSeconds(60));
        Assert.Equal(storyId, received.Payload.GetProperty("story_id").GetGuid());
        await reuse.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ExpiredTicketIs401()
    {
        var user = await factory.SignUpAsync();
        using var userClient = factory.CreateClientFor(user);
        var ticket = await userClient.CreateTicketAsync();
        using var anonymous = factory.CreateClient();

        factory.Clock.Advance(TimeSpan.FromSeconds(61));
        HttpResponseMessage response;
        try
        {
            response = await SseClient.SendAsync(anonymous, $"/events?ticket={Uri.EscapeDataString(ticket)}");
        }
        finally
        {
            factory.Clock.Advance(-TimeSpan.FromSeconds(61));
        }

        using (response)
        {
            await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
        }
    }

    [Fact]
    public async Task TicketOpensAWebSocket()
    {
        var user = await factory.SignUpAsync();
        var fan = await factory.SignUpAsync();
        using var userClient = factory.CreateClientFor(user);
        using var fanClient = factory.CreateClientFor(fan);
        var storyId = await userClient.CreateStoryIdAsync("ticketed socket");
        var ticket = await userClient.CreateTicketAsync();

        await using var socket = await WebSocketClient.ConnectAsync(factory, token: null, $"?ticket={Uri.EscapeDataString(ticket)}");
        await fanClient.ReactAsync(storyId, "😢");

        Assert.Equal("story.reacted", (await socket.NextEventAsync()).Type);
    }

    [Theory]
    [InlineData("POST", "/events/ticket")]
    [InlineData("GET", "/me")]
    public async Task TicketIsAcceptedByTheStreamsOnly(string method, string path)
    {
        var user = await factory.SignUpAsync();
        using var userClient = factory.CreateClientFor(user);
        var ticket = await userClient.CreateTicketAsync();
        using var anonymous = factory.CreateClient();

        using var response = await anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), $"{path}?ticket={Uri.EscapeDataString(ticket)}"));

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task SixthStreamIs429ProblemBeforeItOpensCountingWebSockets()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        var open = new List<IEventClient>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                open.Add(await SseClient.OpenAsync(client));
            }

            open.Add(await WebSocketClient.ConnectAsync(factory, user.Token));

            using var sixth = await SseClient.SendAsync(client);

            var problem = await sixth.AssertProblemAsync(HttpStatusCode.TooManyRequests);
            Assert.Equal("Too many open event streams.", problem.GetProperty("title").GetString());
            Assert.Contains("5", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            foreach (var stream in open)
            {
                await stream.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ClosingAStreamFreesItsSlot()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        var open = new List<SseClient>();
        for (var i = 0; i < 5; i++)
        {
            open.Add(await SseClient.OpenAsync(client));
        }

        await open[0].DisposeAsync();
        var reopened = await PollUntilOpenAsync(client);

        Assert.Equal(HttpStatusCode.OK, reopened.StatusCode);
        reopened.Dispose();
        foreach (var stream in open.Skip(1))
        {
            await stream.DisposeAsync();
        }
    }

    [Fact]
    public async Task WsWithoutAnUpgradeIs400Problem()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);

        using var response = await client.GetAsync("/ws");

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("WebSocket", problem.GetProperty("title").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TicketResponseHasOnlyTicketAndExpiry()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);

        using var response = await client.PostAsync("/events/ticket", null);

        var body = await response.ReadJsonAsync();
        Assert.Equal(["expires_at", "ticket"], body.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(JsonValueKind.String, body.GetProperty("ticket").ValueKind);
        Assert.True(body.GetProperty("ticket").GetString()!.Length >= 32);
    }

    /// <summary>The server frees a slot when it notices the disconnect, a moment after the client closes.</summary>
    private static async Task<HttpResponseMessage> PollUntilOpenAsync(HttpClient client)
    {
        var deadline = DateTime.UtcNow + SseClient.DefaultTimeout;
        while (true)
        {
            var response = await SseClient.SendAsync(client);
            if (response.StatusCode != HttpStatusCode.TooManyRequests || DateTime.UtcNow > deadline)
            {
                return response;
            }

            response.Dispose();
            await Task.Delay(50);
        }
    }
}
