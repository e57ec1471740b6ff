using System.Net;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Worker;

/// <summary>The worker with <c>Management:Port</c> set: health and metrics on that port only, <c>/alive</c> on both.</summary>
public sealed class WorkerManagementPortTests(ManagementPortWorkerFactory factory) : IClassFixture<ManagementPortWorkerFactory>
{
    [Fact]
    public async Task HealthAndMetricsAreServedOnTheManagementPortOnlyAndAliveOnBoth()
    {
        using var publicPort = factory.CreateClient();
        using var management = factory.CreateManagementClient();
        var paths = new[] { "/metrics", "/health", "/healthz", "/alive" };

        var onPublicPort = await Task.WhenAll(paths.Select(path => publicPort.GetAsync(path)));
        var onManagementPort = await Task.WhenAll(paths.Select(path => management.GetAsync(path)));

        Assert.Equal([HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.OK], onPublicPort.Select(response => response.StatusCode));
        Assert.All(onManagementPort, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
    }
}
