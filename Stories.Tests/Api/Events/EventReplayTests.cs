using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Events;

/// <summary><c>Last-Event-ID</c> replay from the per-user log (the factory keeps the newest 5 events).</summary>
[Trait("Category", TestCategories.RedisCluster)]
public sealed class EventReplayTests(EventsApiFactory factory) : IClassFixture<EventsApiFactory>
{
    [Fact]
    public async Task ReconnectingWithLastEventIdReplaysExactlyTheMissedEventsInOrder()
    {
        var (authorClient, fanClient, storyId) = await AuthorAndFanAsync();
        var lastSeen = await SeeOneReactionAsync(authorClient, fanClient, storyId);

        await fanClient.ReactAsync(storyId, "❤️");
        await fanClient.ReactAsync(storyId, "😂");
        await fanClient.ReactAsync(storyId, "😮");
        await using var resumed = await SseClient.OpenAsync(authorClient, lastEventId: lastSeen);
        var replayed = await resumed.NextReactionsAsync(3);
        await fanClient.ReactAsync(storyId, "🔥");
        var live = await resumed.NextReactionsAsync(1);

        Assert.Equal(["❤️", "😂", "😮"], replayed);
        Assert.Equal(["🔥"], live);
    }

    [Fact]
    public async Task ReconnectingWithLastEventIdInTheQueryReplaysTheMissedEvents()
    {
        var (authorClient, fanClient, storyId) = await AuthorAndFanAsync();
        var lastSeen = await SeeOneReactionAsync(authorClient, fanClient, storyId);

        await fanClient.ReactAsync(storyId, "❤️");
        await using var resumed = await SseClient.OpenAsync(authorClient, path: $"/events?last_event_id={lastSeen}");

        Assert.Equal(["❤️"], await resumed.NextReactionsAsync(1));
    }

    [Fact]
    public async Task ReconnectingWithTheNewestIdReplaysNothing()
    {
        var (authorClient, fanClient, storyId) = await AuthorAndFanAsync();
        string newest;
        await using (var stream = await SseClient.OpenAsync(authorClient))
        {
            await fanClient.ReactAsync(storyId, "👍");
            await fanClient.ReactAsync(storyId, "😢");
            await stream.NextEventAsync();
            newest = (await stream.NextEventAsync()).Id!;
        }

        await using var resumed = await SseClient.OpenAsync(authorClient, lastEventId: newest);
        await fanClient.ReactAsync(storyId, "🔥");

        Assert.Equal(["🔥"], await resumed.NextReactionsAsync(1));
    }

    [Fact]
    public async Task LastEventIdOlderThanTheReplayWindowStartsWithAReset()
    {
        var (authorClient, fanClient, storyId) = await AuthorAndFanAsync();
        string oldest;
        await using (var stream = await SseClient.OpenAsync(authorClient))
        {
            await fanClient.ReactAsync(storyId, "👍");
            oldest = (await stream.NextEventAsync()).Id!;
        }

        for (var i = 0; i < EventsApiFactory.ReplayLength + 1; i++)
        {
            await fanClient.ReactAsync(storyId, "😂");
        }

        await using var newestStream = await SseClient.OpenAsync(authorClient, lastEventId: oldest);
        var reset = await newestStream.NextEventAsync();
        await fanClient.ReactAsync(storyId, "🔥");
        var next = await newestStream.NextEventAsync();

        Assert.Equal("reset", reset.Type);
        Assert.Equal("{}", reset.Payload.GetRawText());
        Assert.True(long.Parse(reset.Id!, System.Globalization.CultureInfo.InvariantCulture) > long.Parse(oldest, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("🔥", next.Payload.GetProperty("emoji").GetString());
    }

    [Theory]
    [InlineData("42")]
    [InlineData("not-an-id")]
    public async Task UnknownLastEventIdStartsWithAReset(string lastEventId)
    {
        var (authorClient, _, _) = await AuthorAndFanAsync();

        await using var stream = await SseClient.OpenAsync(authorClient, lastEventId: lastEventId);
        var first = await stream.NextEventAsync();

        Assert.Equal("reset", first.Type);
        Assert.Equal("", first.Id);
    }

    /// <summary>The author's stream sees one reaction and closes; returns that event's id.</summary>
    private static async Task<string> SeeOneReactionAsync(HttpClient authorClient, HttpClient fanClient, Guid storyId)
    {
        await using var stream = await SseClient.OpenAsync(authorClient);
        await fanClient.ReactAsync(storyId, "👍");
        return (await stream.NextEventAsync()).Id!;
    }

    private async Task<(HttpClient Author, HttpClient Fan, Guid StoryId)> AuthorAndFanAsync()
    {
        var author = factory.CreateClientFor(await factory.SignUpAsync());
        var fan = factory.CreateClientFor(await factory.SignUpAsync());
        return (author, fan, await author.CreateStoryIdAsync("replayed"));
    }
}
