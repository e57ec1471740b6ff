using System.Net;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Platform;

/// <summary>
/// Health answers are cached for <c>Management:HealthCacheDuration</c> (5 s by default), so a flood of
/// anonymous health requests cannot take the connections requests need. The clock stands still while
/// the flood runs, so the window cannot end in the middle of it, however slow the machine.
/// </summary>
public sealed class HealthCacheTests(StoriesApiFactory factory) : IClassFixture<StoriesApiFactory>
{
    private const int Flood = 200;

    [Fact]
    public async Task AFloodOfHealthRequestsRunsTheDatabaseCheckOncePerWindow()
    {
        using var client = factory.CreateClient();
        using var databasePings = new NpgsqlCommandCounter(factory.DatabaseName, "select 1");
        factory.Clock.Freeze();
        // Past any answer an earlier test left in the cache.
        factory.Clock.Advance(TimeSpan.FromSeconds(5));
        try
        {
            var flood = await Task.WhenAll(Enumerable.Range(0, Flood).Select(i => client.GetAsync(i % 2 == 0 ? "/healthz" : "/health")));
            var pingsInTheWindow = databasePings.Count;
            factory.Clock.Advance(TimeSpan.FromSeconds(5));
            var nextWindow = await client.GetAsync("/healthz");

            Assert.All(flood, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
            Assert.Equal(1, pingsInTheWindow);
            Assert.Equal(HttpStatusCode.OK, nextWindow.StatusCode);
            Assert.Equal(2, databasePings.Count);
        }
        finally
        {
            factory.Clock.Resume();
        }
    }

    [Fact]
    public async Task ACachedAnswerStillReportsEveryDependency()
    {
        using var client = factory.CreateClient();

        var first = await (await client.GetAsync("/healthz")).ReadJsonAsync();
        var cached = await (await client.GetAsync("/healthz")).ReadJsonAsync();

        foreach (var body in new[] { first, cached })
        {
            Assert.Equal("healthy", body.GetProperty("status").GetString());
            foreach (var dependency in new[] { "database", "redis", "storage" })
            {
                Assert.Equal("healthy", body.GetProperty("checks").GetProperty(dependency).GetProperty("status").GetString());
            }
        }
    }
}
