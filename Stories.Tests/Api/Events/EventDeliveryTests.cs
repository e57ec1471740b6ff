using System.Net;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Events;

/// <summary>
/// Who gets which event over <c>GET /events</c>. "Nothing else arrived" is proven without waiting:
/// after the actions under test a sentinel event is raised for the same stream, and it must be the
/// next thing the stream carries.
/// </summary>
[Trait("Category", TestCategories.RedisCluster)]
public sealed class EventDeliveryTests(EventsApiFactory factory) : IClassFixture<EventsApiFactory>
{
    [Fact]
    public async Task AuthorReceivesStoryViewedWithTheViewerAndTheRecordedTime()
    {
        var author = await factory.SignUpAsync();
        var viewer = await factory.SignUpAsync();
        using var authorClient = factory.CreateClientFor(author);
        using var viewerClient = factory.CreateClientFor(viewer);
        var storyId = await authorClient.CreateStoryIdAsync("watch me");
        await using var stream = await SseClient.OpenAsync(authorClient);

        await viewerClient.ViewAsync(storyId);
        var received = await stream.NextEventAsync();

        Assert.Equal("story.viewed", received.Type);
        Assert.False(string.IsNullOrEmpty(received.Id));
        Assert.Equal(["story_id", "viewed_at", "viewer_id"], received.Payload.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(storyId, received.Payload.GetProperty("story_id").GetGuid());
        Assert.Equal(viewer.Id, received.Payload.GetProperty("viewer_id").GetGuid());
        var stored = await factory.ScalarAsync<DateTime>(
            "select viewed_at from story_views where story_id = @story and viewer_id = @viewer", ("story", storyId), ("viewer", viewer.Id));
        Assert.Equal(new DateTimeOffset(stored, TimeSpan.Zero), received.Payload.GetProperty("viewed_at").GetDateTimeOffset());
    }

    [Fact]
    public async Task AuthorReceivesStoryReactedForEveryReactionInOrder()
    {
        var author = await factory.SignUpAsync();
        var fan = await factory.SignUpAsync();
        using var authorClient = factory.CreateClientFor(author);
        using var fanClient = factory.CreateClientFor(fan);
        var storyId = await authorClient.CreateStoryIdAsync("react to me");
        await using var stream = await SseClient.OpenAsync(authorClient);

        await fanClient.ReactAsync(storyId, "🔥");
        await fanClient.ReactAsync(storyId, "🔥");
        await fanClient.ReactAsync(storyId, "❤");
        var first = await stream.NextEventAsync();
        var rest = await stream.NextReactionsAsync(2);

        Assert.Equal("story.reacted", first.Type);
        Assert.Equal(["emoji", "story_id", "user_id"], first.Payload.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(storyId, first.Payload.GetProperty("story_id").GetGuid());
        Assert.Equal(fan.Id, first.Payload.GetProperty("user_id").GetGuid());
        Assert.Equal(["🔥", "🔥", "❤️"], [first.Payload.GetProperty("emoji").GetString()!, .. rest]);
    }

    [Fact]
    public async Task ConcurrentReactionsReachTheStreamInIdOrderEachOnce()
    {
        const int Reactions = 20;
        var author = await factory.SignUpAsync();
        var fans = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => factory.SignUpAsync()));
        using var authorClient = factory.CreateClientFor(author);
        var fanClients = fans.Select(factory.CreateClientFor).ToArray();
        var storyId = await authorClient.CreateStoryIdAsync("everyone at once");
        await using var stream = await SseClient.OpenAsync(authorClient);

        await Task.WhenAll(Enumerable.Range(0, Reactions).Select(i => fanClients[i % fanClients.Length].ReactAsync(storyId, "🔥")));
        var ids = new List<long>();
        for (var i = 0; i < Reactions; i++)
        {
            var received = await stream.NextEventAsync();
            Assert.Equal("story.reacted", received.Type);
            ids.Add(long.Parse(received.Id!, System.Globalization.CultureInfo.InvariantCulture));
        }

        await fanClients[0].ReactAsync(storyId, "❤️");
        var next = await stream.NextEventAsync();

        Assert.Equal(ids.Order(), ids);
        Assert.Equal(Reactions, ids.Distinct().Count());
        Assert.Equal("❤️", next.Payload.GetProperty("emoji").GetString());
        Assert.True(long.Parse(next.Id!, System.Globalization.CultureInfo.InvariantCulture) > ids[^1]);
        foreach (var client in fanClients)
        {
            client.Dispose();
        }
    }

    [Fact]
    public async Task LiveDeliveriesAreTimedInTheLatencyHistogramAndReplayedOnesAreNot()
    {
        using var latency = new MetricRecorder(factory, "event_delivery_latency_seconds");
        var author = await factory.SignUpAsync();
        var fan = await factory.SignUpAsync();
        using var authorClient = factory.CreateClientFor(author);
        using var fanClient = factory.CreateClientFor(fan);
        var storyId = await authorClient.CreateStoryIdAsync("time me");
        string lastSeen;
        await using (var stream = await SseClient.OpenAsync(authorClient))
        {
            await fanClient.ReactAsync(storyId, "🔥");
            lastSeen = (await stream.NextEventAsync()).Id!;
        }

        await fanClient.ReactAsync(storyId, "❤");
        await using var resumed = await SseClient.OpenAsync(authorClient, lastEventId: lastSeen);
        var replayed = await resumed.NextEventAsync();

        Assert.Equal("story.reacted", replayed.Type);
        var timed = Assert.Single(latency.Values("event_delivery_latency_seconds"));
        Assert.InRange(timed, double.Epsilon, 30);
    }

    [Fact]
    public async Task EventIdsIncreaseForEachUser()
    {
        var author = await factory.SignUpAsync();
        var fan = await factory.SignUpAsync();
        using var authorClient = factory.CreateClientFor(author);
        using var fanClient = factory.CreateClientFor(fan);
        var storyId = await authorClient.CreateStoryIdAsync("counting");
        await using var stream = await SseClient.OpenAsync(authorClient);

        var ids = new List<long>();
        foreach (var emoji in new[] { "👍", "😂", "😮", "😢" })
        {
            await fanClient.ReactAsync(storyId, emoji);
            ids.Add(long.Parse((await stream.NextEventAsync()).Id!, System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.Equal(ids.Order(), ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public async Task OtherUsersReceiveNothing()
    {
        var author = await factory.SignUpAsync();
        var viewer = await factory.SignUpAsync();
        var bystander = await factory.SignUpAsync();
        using var authorClient = factory.CreateClientFor(author);
        using var viewerClient = factory.CreateClientFor(viewer);
        using var bystanderClient = factory.CreateClientFor(bystander);
        var storyId = await authorClient.CreateStoryIdAsync("for the author's eyes");
        var viewersStory = await viewerClient.CreateStoryIdAsync("the viewer's own");
        var bystandersStory = await bystanderClient.CreateStoryIdAsync("the bystander's own");
        await using var viewerStream = await SseClient.OpenAsync(viewerClient);
        await using var bystanderStream = await SseClient.OpenAsync(bystanderClient);

        await viewerClient.ViewAsync(storyId);
        await viewerClient.ReactAsync(storyId, "👍");
        await viewerClient.ViewAsync(bystandersStory);
        await bystanderClient.ViewAsync(viewersStory);

        var toBystander = await bystanderStream.NextEventAsync();
        Assert.Equal(bystandersStory, toBystander.Payload.GetProperty("story_id").GetGuid());
        var toViewer = await viewerStream.NextEventAsync();
        Assert.Equal(viewersStory, toViewer.Payload.GetProperty("story_id").GetGuid());
    }

    [Fact]
    public async Task ConcurrentDuplicateViewsRaiseExactlyOneEvent()
    {
        var author = await factory.SignUpAsync();
        var viewer = await factory.SignUpAsync();
        using var authorClient = factory.CreateClientFor(author);
        var storyId = await authorClient.CreateStoryIdAsync("viewed once");
        await using var stream = await SseClient.OpenAsync(authorClient);

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            using var client = factory.CreateClientFor(viewer);
            return await client.PostAsync($"/stories/{storyId}/view", null);
        }));
        using var viewerClient = factory.CreateClientFor(viewer);
        await viewerClient.ReactAsync(storyId, "😮");

        Assert.All(responses, response => Assert.Equal(HttpStatusCode.NoContent, response.StatusCode));
        Assert.Equal("story.viewed", (await stream.NextEventAsync()).Type);
        Assert.Equal("story.reacted", (await stream.NextEventAsync()).Type);
    }

    [Fact]
    public async Task AuthorsOwnViewRaisesNothing()
    {
        var author = await factory.SignUpAsync();
        var fan = await factory.SignUpAsync();
        using var authorClient = factory.CreateClientFor(author);
        using var fanClient = factory.CreateClientFor(fan);
        var storyId = await authorClient.CreateStoryIdAsync("mine");
        await using var stream = await SseClient.OpenAsync(authorClient);

        await authorClient.ViewAsync(storyId);
        await fanClient.ReactAsync(storyId, "😂");

        Assert.Equal("story.reacted", (await stream.NextEventAsync()).Type);
    }

    [Fact]
    public async Task EveryOpenStreamOfTheAuthorReceivesTheEvent()
    {
        var author = await factory.SignUpAsync();
        var fan = await factory.SignUpAsync();
        using var authorClient = factory.CreateClientFor(author);
        using var fanClient = factory.CreateClientFor(fan);
        var storyId = await authorClient.CreateStoryIdAsync("two tabs");
        await using var first = await SseClient.OpenAsync(authorClient);
        await using var second = await SseClient.OpenAsync(authorClient);

        await fanClient.ReactAsync(storyId, "🔥");

        var one = await first.NextEventAsync();
        var other = await second.NextEventAsync();
        Assert.Equal(one.Id, other.Id);
        Assert.Equal(one.Envelope.GetRawText(), other.Envelope.GetRawText());
    }

    [Fact]
    public async Task QuietStreamCarriesHeartbeatComments()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        await using var stream = await SseClient.OpenAsync(client);

        var first = await stream.NextFrameAsync();
        var second = await stream.NextFrameAsync();

        Assert.Equal("ping", first.Comment);
        Assert.Equal("ping", second.Comment);
    }

    [Fact]
    public async Task StreamEndsWhenTheTokenExpires()
    {
        var now = factory.Clock.GetUtcNow();
        var token = ApiTestExtensions.CreateToken(Guid.NewGuid(), issuedAt: now, expires: now.AddSeconds(2));
        using var client = factory.CreateClientWithToken(token);
        await using var stream = await SseClient.OpenAsync(client);

        await stream.WaitForEndAsync();
    }

    [Fact]
    public async Task StreamEndsAtItsNextHeartbeatWhenTheServerClockPassesTheTokenExpiry()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        await using var stream = await SseClient.OpenAsync(client);

        factory.Clock.Advance(TimeSpan.FromHours(2));
        try
        {
            await stream.WaitForEndAsync();
        }
        finally
        {
            factory.Clock.Advance(-TimeSpan.FromHours(2));
        }
    }
}
