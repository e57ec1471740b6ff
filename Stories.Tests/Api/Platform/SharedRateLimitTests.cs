using System.Net;
using Stories.Resources;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Platform;

/// <summary>Two API hosts — two replicas — over one database and one Redis keyspace draw from the same buckets.</summary>
[Trait("Category", TestCategories.RedisCluster)]
public sealed class SharedRateLimitTests(SharedRateLimitTests.TwoReplicas replicas) : IClassFixture<SharedRateLimitTests.TwoReplicas>
{
    [Fact]
    public async Task TwoReplicasDrawFromOneBucketPerUser()
    {
        var user = await replicas.First.SignUpAsync();
        using var first = replicas.First.CreateClientFor(user);
        using var second = replicas.Second.CreateClientFor(user);
        replicas.First.Clock.Freeze();
        replicas.Second.Clock.Freeze();
        try
        {
            var one = await first.PostJsonAsync("/stories", new { text = "on the first replica", visibility = "public" });
            var two = await second.PostJsonAsync("/stories", new { text = "on the second replica", visibility = "public" });
            var three = await first.PostJsonAsync("/stories", new { text = "on the first again", visibility = "public" });
            var refusedBySecond = await second.PostJsonAsync("/stories", new { text = "one too many", visibility = "public" });
            var refusedByFirst = await first.PostJsonAsync("/stories", new { text = "still too many", visibility = "public" });

            Assert.Equal(HttpStatusCode.Created, one.StatusCode);
            Assert.Equal(HttpStatusCode.Created, two.StatusCode);
            Assert.Equal("\"stories\";r=1;t=40", two.Header("RateLimit"));
            Assert.Equal(HttpStatusCode.Created, three.StatusCode);
            Assert.Equal("\"stories\";r=0;t=60", three.Header("RateLimit"));
            await refusedBySecond.AssertProblemAsync(HttpStatusCode.TooManyRequests);
            await refusedByFirst.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        }
        finally
        {
            replicas.First.Clock.Resume();
            replicas.Second.Clock.Resume();
        }
    }

    public sealed class TwoReplicas : IAsyncLifetime
    {
        public StoriesApiFactory First { get; } = new StoriesApiFactory().WithSetting("RateLimits:Stories:PermitsPerMinute", "3");

        public StoriesApiFactory Second { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            await First.InitializeAsync();
            Second = new StoriesApiFactory()
                .WithSetting("RateLimits:Stories:PermitsPerMinute", "3")
                .WithSetting($"ConnectionStrings:{ResourceNames.Database}", First.DatabaseConnectionString)
                .WithSetting("Database:MigrateOnStartup", "false")
                .WithSetting("Redis:KeyPrefix", First.RedisKeyPrefix);
            await Second.InitializeAsync();
        }

        public async Task DisposeAsync()
        {
            await Second.DisposeAsync();
            await First.DisposeAsync();
        }
    }
}
