using System.Net;
using Stories.Tests.Infrastructure;
using Stories.Worker.Expiry;

namespace Stories.Tests.Worker;

/// <summary>The worker's own <c>/metrics</c>: valid Prometheus text carrying its sweep instruments.</summary>
public sealed class WorkerMetricsEndpointTests(WorkerFactory factory) : IClassFixture<WorkerFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task ItsCountersAreListedBeforeTheyCountAnything()
    {
        using var client = factory.CreateClient();

        var exposition = PrometheusText.Parse(await client.GetStringAsync("/metrics"));

        foreach (var counter in new[] { "stories_expired_total", "stories_purged_total", "idempotency_keys_purged_total", "orphan_uploads_deleted_total" })
        {
            Assert.Equal("counter", exposition.Families[counter].Type);
        }
    }

    [Fact]
    public async Task MetricsExposeExpiredCountSweepLatencyAndLastSuccessAfterASweep()
    {
        using var client = factory.CreateClient();
        var now = factory.FreezeClock();
        var author = await factory.SeedUserAsync();
        for (var i = 0; i < 3; i++)
        {
            await factory.SeedStoryAsync(author, now.AddMinutes(-1));
        }

        await factory.GetService<ExpirySweeper>().SweepAsync(CancellationToken.None);
        var response = await client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var exposition = PrometheusText.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("counter", exposition.Families["stories_expired_total"].Type);
        Assert.Equal(3, exposition.Value("stories_expired_total"));
        Assert.Equal("histogram", exposition.Families["worker_latency_seconds"].Type);
        Assert.Equal(1, exposition.Value("worker_latency_seconds_count"));
        Assert.Equal(now.ToUnixTimeSeconds(), exposition.Value("worker_last_success_timestamp_seconds"));
    }
}
