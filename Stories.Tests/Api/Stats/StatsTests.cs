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
    public async Task StatsCountEachOfTheLastSevenUtcDatesWhatHappenedThatDay()
    {
        var author = await factory.SignUpAsync();
        var ann = await factory.SignUpAsync();
        var start = factory.Clock.GetUtcNow();
        var today = DateOnly.FromDateTime(start.UtcDateTime);
        // 23:00 UTC three days ago: posted and viewed that day, reacted to two hours later, the next day.
        var threeDaysAgoLate = new DateTimeOffset(start.UtcDateTime.Date.AddDays(-2).AddHours(-1), TimeSpan.Zero);
        factory.Clock.Advance(threeDaysAgoLate - start);
        var early = await ClientAt(author).CreateStoryIdAsync("three days ago");
        await ClientAt(ann).PostAsync($"/stories/{early}/view", null);
        factory.Clock.Advance(TimeSpan.FromHours(2));
        await ClientAt(ann).PostJsonAsync($"/stories/{early}/reactions", new { emoji = "🔥" });
        await ClientAt(ann).PostJsonAsync($"/stories/{early}/reactions", new { emoji = "😂" });
        factory.Clock.Advance(start - factory.Clock.GetUtcNow());
        await ClientAt(author).CreateStoryIdAsync("today");

        var stats = await (await ClientAt(author).GetAsync("/me/stats")).ReadJsonAsync();

        var days = stats.GetProperty("days").EnumerateArray()
            .Select(day => (DateOnly.Parse(day.GetProperty("date").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
                day.GetProperty("posted").GetInt32(), day.GetProperty("views").GetInt32(), day.GetProperty("reactions").GetInt32()))
            .ToList();
        Assert.Equal(Enumerable.Range(-6, 7).Select(offset => today.AddDays(offset)), days.Select(day => day.Item1));
        Assert.Equal((1, 1, 0), Counts(days[3]));
        Assert.Equal((0, 0, 2), Counts(days[4]));
        Assert.Equal((1, 0, 0), Counts(days[6]));
        Assert.All(days.Where((_, index) => index is not (3 or 4 or 6)), day => Assert.Equal((0, 0, 0), Counts(day)));
        Assert.Equal(days.Sum(day => day.Item3), stats.GetProperty("views").GetInt32());

        static (int, int, int) Counts((DateOnly, int Posted, int Views, int Reactions) day) => (day.Posted, day.Views, day.Reactions);
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
        Assert.Equal(7, stats.GetProperty("days").GetArrayLength());
        Assert.All(stats.GetProperty("days").EnumerateArray(), day => Assert.Equal(0, day.GetProperty("views").GetInt32()));
    }

    /// <summary>A client whose token is signed at the API's current (moved) time.</summary>
    private HttpClient ClientAt(TestUser user) =>
        factory.CreateClientWithToken(ApiTestExtensions.CreateToken(user.Id, issuedAt: factory.Clock.GetUtcNow(), expires: factory.Clock.GetUtcNow().AddHours(1)));
}
