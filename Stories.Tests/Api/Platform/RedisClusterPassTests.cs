using StackExchange.Redis;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Platform;

/// <summary>The cluster pass of <c>make test</c> cannot run against a single node without saying so.</summary>
[Trait("Category", TestCategories.RedisCluster)]
public sealed class RedisClusterPassTests
{
    [Fact]
    public async Task TheRedisTestsRunAgainstTheKindOfRedisThePassAskedFor()
    {
        var clusterExpected = Environment.GetEnvironmentVariable("STORIES_REDIS_CLUSTER") == "1";
        await using var connection = await ConnectionMultiplexer.ConnectAsync(TestServices.Cache);

        var servers = connection.GetServers();

        if (clusterExpected)
        {
            Assert.True(servers.Length >= 3, $"A cluster of three masters was asked for; the client sees {servers.Length} server(s).");
            Assert.All(servers, server => Assert.Equal(ServerType.Cluster, server.ServerType));
        }
        else
        {
            Assert.All(servers, server => Assert.Equal(ServerType.Standalone, server.ServerType));
        }
    }
}
