using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Platform;

/// <summary>A replica of its own: nothing has happened on it when it is scraped.</summary>
public sealed class MetricsBaselineTests(StoriesApiFactory factory) : IClassFixture<StoriesApiFactory>
{
    [Fact]
    public async Task AFreshReplicaListsTheProductCountersAtZeroBeforeTheirFirstEvent()
    {
        var exposition = await factory.ScrapeAsync();

        foreach (var name in new[] { "stories_created_total", "story_views_total", "reactions_total" })
        {
            Assert.Equal("counter", exposition.Families[name].Type);
            Assert.Equal(0, exposition.Value(name));
        }
    }
}
