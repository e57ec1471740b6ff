using System.Net;
using Stories.Tests.Infrastructure;
using Stories.Worker.Expiry;

namespace Stories.Tests.Worker;

/// <summary>The worker's <c>/healthz</c>: the database answers, and a sweep succeeded within three intervals (one minute each).</summary>
public sealed class WorkerHealthTests(WorkerFactory factory) : IClassFixture<WorkerFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task HealthzIsHealthyAfterASuccessfulSweepWithTheDatabaseUp()
    {
        using var client = factory.CreateClient();
        await factory.GetService<ExpirySweeper>().SweepAsync(CancellationToken.None);

        var response = await client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadJsonAsync();
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.Equal("healthy", body.GetProperty("checks").GetProperty("expiry").GetProperty("status").GetString());
        Assert.Equal("healthy", body.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
    }

    [Fact]
    public async Task HealthzTurnsUnhealthyWhenNoSweepSucceededForMoreThanThreeIntervals()
    {
        using var client = factory.CreateClient();
        factory.FreezeClock();
        await factory.GetService<ExpirySweeper>().SweepAsync(CancellationToken.None);

        factory.Clock.Advance(TimeSpan.FromMinutes(3));
        var atThreeIntervals = await client.GetAsync("/healthz");
        // That answer stands for Management:HealthCacheDuration (5 s); the next one comes from a new check.
        factory.Clock.Advance(TimeSpan.FromSeconds(5));
        var pastThreeIntervals = await client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, atThreeIntervals.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, pastThreeIntervals.StatusCode);
        var body = await pastThreeIntervals.ReadJsonAsync();
        Assert.Equal("unhealthy", body.GetProperty("status").GetString());
        Assert.Equal("unhealthy", body.GetProperty("checks").GetProperty("expiry").GetProperty("status").GetString());
        Assert.StartsWith("No sweep has succeeded for 185 s", body.GetProperty("checks").GetProperty("expiry").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("healthy", body.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
    }
}
