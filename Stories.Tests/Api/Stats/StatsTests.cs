using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Stats;

public sealed class StatsTests(StoriesApiFactory factory) : IClassFixture<StoriesApiFactory>
{
    [Fact]
    public async Task StatsCountTheLastSevenDaysIncludingExpiredStories()
    {
        var author = await factory.SignUpAsync();
        var ann = await factory.SignUpAsync();
        var bob = await factory.SignUpAsync();

        // Eight days ago: outside the window, its view must not count.
        factory.Clock.Advance(TimeSpan.FromDays(-8));
        var old = await ClientAt(author).CreateStoryIdAsync("last week");
        await ClientAt(ann).PostAsync($"/stories/{old}/view", null);
        // Two days ago: expired by now, still counted.
        factory.Clock.Advance(TimeSpan.FromDays(6));
        var expired = await ClientAt(author).CreateStoryIdAsync("the day before yesterday");
        await ClientAt(ann).PostAsync($"/stories/{expired}/view", null);
        await ClientAt(bob).PostAsync($"/stories/{expired}/view", null);
        await ClientAt(ann).PostJsonAsync($"/stories/{expired}/reactions", new { emoji = "❤️" });
        factory.Clock.Advance(TimeSpan.FromDays(2));
        var fresh = await ClientAt(author).CreateStoryIdAsync("today");
        await ClientAt(ann).PostAsync($"/stories/{fresh}/view", null);
        await ClientAt(ann).PostJsonAsync($"/stories/{fresh}/reactions", new { emoji = "🔥" });
        await ClientAt(bob).PostJsonAsync($"/stories/{fresh}/reactions", new { emoji = "❤" });

        var stats = await (await ClientAt(author).GetAsync("/me/stats")).ReadJsonAsync();

        Assert.Equal(2, stats.GetProperty("posted").GetInt32());
        Assert.Equal(3, stats.GetProperty("views").GetInt32());
        Assert.Equal(2, stats.GetProperty("unique_viewers").GetInt32());
        var reactions = stats.GetProperty("reactions").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Assert.Equal(new Dictionary<string, int> { ["❤️"] = 2, ["🔥"] = 1 }, reactions);
    }

    [Fact]
    public async Task StatsOfSomeoneWhoPostedNothingAreZero()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);

        var stats = await (await client.GetAsync("/me/stats")).ReadJsonAsync();

        Assert.Equal(0, stats.GetProperty("posted").GetInt32());
        Assert.Equal(0, stats.GetProperty("views").GetInt32());
        Assert.Equal(0, stats.GetProperty("unique_viewers").GetInt32());
        Assert.Empty(stats.GetProperty("reactions").EnumerateObject());
    }

    /// <summary>A client whose token is signed at the API's current (moved) time.</summary>
    private HttpClient ClientAt(TestUser user) =>
        factory.CreateClientWithToken(ApiTestExtensions.CreateToken(user.Id, issuedAt: factory.Clock.GetUtcNow(), expires: factory.Clock.GetUtcNow().AddHours(1)));
}
