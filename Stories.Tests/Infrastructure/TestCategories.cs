namespace Stories.Tests.Infrastructure;

/// <summary>Trait values that <c>make test</c> filters on.</summary>
public static class TestCategories
{
    /// <summary>
    /// Tests that touch Redis and run a second time against a Redis Cluster of three masters
    /// (<c>scripts/services.sh cluster up</c>, <c>STORIES_REDIS_CLUSTER=1</c>). Left out: the outage
    /// tests that put a TCP proxy in front of Redis — a cluster client learns the nodes' own addresses
    /// from the cluster and connects past any proxy.
    /// </summary>
    public const string RedisCluster = "RedisCluster";
}
