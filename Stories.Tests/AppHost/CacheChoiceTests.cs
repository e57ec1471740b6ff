using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Stories.Resources;

namespace Stories.AppHost.Tests;

/// <summary>Which Redis the graph uses: its own container, or any Redis — a cluster too — named by a connection string.</summary>
public sealed class CacheChoiceTests
{
    [Fact]
    public async Task AClusteredRedisConnectionStringReplacesTheRedisContainer()
    {
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        const string cluster = "redis-0.example:6380,redis-1.example:6380,redis-2.example:6380,password=example,ssl=true";

        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Stories_AppHost>(
            [$"ConnectionStrings:{ResourceNames.Cache}={cluster}"], cancellation.Token);

        var cache = Assert.IsAssignableFrom<IResourceWithConnectionString>(builder.Resources.Single(r => r.Name == ResourceNames.Cache));
        Assert.DoesNotContain(builder.Resources.OfType<ContainerResource>(), r => r.Name == ResourceNames.Cache);
        Assert.Equal(cluster, await cache.GetConnectionStringAsync(cancellation.Token));
    }
}
