using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Platform;

/// <summary>A process that has served nothing yet: its own factory, scraped before any other request.</summary>
public sealed class FreshProcessMetricsTests(StoriesApiFactory factory) : IClassFixture<StoriesApiFactory>
{
    [Fact]
    public async Task AFreshProcessListsItsDomainCountersAtZero()
    {
        var exposition = await factory.ScrapeAsync();

        foreach (var counter in new[] { "stories_created_total", "story_views_total", "reactions_total" })
        {
            Assert.Equal("counter", exposition.Families[counter].Type);
            Assert.Equal(0, Assert.Single(exposition.Samples(counter)).Value);
        }
    }
}
