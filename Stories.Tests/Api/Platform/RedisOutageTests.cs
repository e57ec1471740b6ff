using System.Net;
using StackExchange.Redis;
using Stories.Resources;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Platform;

/// <summary>
/// The API reaches Redis through a <see cref="TcpProxy"/> that a test stops, black-holes and starts:
/// Redis is down, or hangs, for this host only. Every test brings Redis back before it ends.
/// </summary>
public sealed class RedisOutageTests(RedisOutageTests.ProxiedRedisFactory factory) : IClassFixture<RedisOutageTests.ProxiedRedisFactory>
{
    [Fact]
    public async Task HealthzIs200WithRedisDegradedWhileRedisIsDown()
    {
        using var client = factory.CreateClient();
        factory.Proxy.Stop();
        try
        {
            var response = await client.GetAsync("/healthz");

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.ReadJsonAsync();
            Assert.Equal("degraded", body.GetProperty("status").GetString());
            Assert.Equal("degraded", body.GetProperty("checks").GetProperty("redis").GetProperty("status").GetString());
            Assert.Equal("healthy", body.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
        }
        finally
        {
            await factory.RestoreRedisAsync();
        }
    }

    [Fact]
    public async Task RateLimitsFallBackToTheSameLimitsInProcessAndReturnToRedisWhenItIsBack()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        var fallbackLogs = factory.Logs.Events("rate_limit_fallback").Count;
        var restoredLogs = factory.Logs.Events("rate_limit_restored").Count;
        var before = await factory.ScrapeAsync();
        factory.Clock.Freeze();
        try
        {
            var onRedis = await Post(client, "before the outage");
            factory.Proxy.Stop();
            var duringOutage = new List<HttpResponseMessage>();
            for (var i = 0; i < 4; i++)
            {
                duringOutage.Add(await Post(client, $"during the outage {i}"));
            }

            var during = await factory.ScrapeAsync();
            await factory.RestoreRedisAsync();
            var backOnRedis = await Post(client, "after the outage");

            Assert.Equal("\"stories\";r=2;t=20", onRedis.Header("RateLimit"));
            Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.TooManyRequests], duringOutage.Select(r => r.StatusCode));
            Assert.Equal("\"stories\";r=0;t=60", duringOutage[2].Header("RateLimit"));
            await duringOutage[3].AssertProblemAsync(HttpStatusCode.TooManyRequests);
            Assert.Equal(4, during.Value("rate_limit_fallbacks_total", ("policy", "stories")) - before.Value("rate_limit_fallbacks_total", ("policy", "stories")));
            Assert.Equal(fallbackLogs + 1, factory.Logs.Events("rate_limit_fallback").Count);
            Assert.Equal("warning", factory.Logs.Events("rate_limit_fallback")[^1].GetProperty("level").GetString());
            Assert.Equal(restoredLogs + 1, factory.Logs.Events("rate_limit_restored").Count);
            // Redis still held the bucket as the outage found it (two tokens), not the emptied local one.
            Assert.Equal(HttpStatusCode.Created, backOnRedis.StatusCode);
            Assert.Equal("\"stories\";r=1;t=40", backOnRedis.Header("RateLimit"));
        }
        finally
        {
            factory.Clock.Resume();
            await factory.RestoreRedisAsync();
        }
    }

    [Fact]
    public async Task FeedIsServedFromTheDatabaseWhileRedisIsDownAndTheErrorIsCounted()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        var story = await client.CreateStoryIdAsync("served without redis", "private");
        var before = await factory.ScrapeAsync();
        factory.Proxy.Stop();
        try
        {
            var response = await client.GetAsync("/feed");
            var after = await factory.ScrapeAsync();

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains(story, (await response.ReadJsonAsync()).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()));
            Assert.Equal(1, after.Value("cache_errors_total", ("cache", "feed"), ("operation", "read")) - before.Value("cache_errors_total", ("cache", "feed"), ("operation", "read")));
        }
        finally
        {
            await factory.RestoreRedisAsync();
        }
    }

    [Fact]
    public async Task AnInvalidationMissedDuringAnOutageIsAppliedWhenRedisIsBack()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        await client.CreateStoryIdAsync("cached before the outage", "private");
        await client.FeedIdsAsync();
        await client.FeedIdsAsync();
        factory.Proxy.Stop();
        Guid posted;
        try
        {
            posted = await client.CreateStoryIdAsync("posted while redis was away", "private");
        }
        finally
        {
            await factory.RestoreRedisAsync();
        }

        var feed = await client.FeedIdsAsync();

        Assert.Contains(posted, feed);
    }

    [Fact]
    public async Task AViewRecordedDuringAnOutageShowsOnTheCachedPageWhenRedisIsBack()
    {
        var reader = await factory.SignUpAsync();
        var author = await factory.SignUpAsync();
        using var readerClient = factory.CreateClientFor(reader);
        using var authorClient = factory.CreateClientFor(author);
        var story = await authorClient.CreateStoryIdAsync("seen while redis was away", "public");
        await readerClient.GetAsync("/feed?limit=50");
        factory.Proxy.Stop();
        try
        {
            Assert.Equal(HttpStatusCode.NoContent, (await readerClient.PostAsync($"/stories/{story}/view", null)).StatusCode);
        }
        finally
        {
            await factory.RestoreRedisAsync();
        }

        var page = await (await readerClient.GetAsync("/feed?limit=50")).ReadJsonAsync();

        Assert.True(page.ItemWithId(story).GetProperty("viewed_by_me").GetBoolean());
    }

    [Fact]
    public async Task WithRedisHangingFeedLoginAndStoryCreationStillAnswerAndHealthzSaysDegraded()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        using var anonymous = factory.CreateClient();
        // A Redis call without a timeout would hang its request for good: the clients' own timeout turns that into a failure.
        client.Timeout = anonymous.Timeout = TimeSpan.FromSeconds(15);
        var story = await client.CreateStoryIdAsync("read while redis hangs", "private");
        factory.Proxy.BlackHole();
        try
        {
            var feed = await client.GetAsync("/feed");
            var login = await anonymous.PostJsonAsync("/login", new { email = user.Email, password = user.Password });
            var created = await Post(client, "written while redis hangs");
            var health = await anonymous.GetAsync("/healthz");

            Assert.Equal(HttpStatusCode.OK, feed.StatusCode);
            Assert.Contains(story, (await feed.ReadJsonAsync()).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()));
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
            Assert.Equal(user.Id, (await login.ReadJsonAsync()).GetProperty("user_id").GetGuid());
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal("degraded", (await health.ReadJsonAsync()).GetProperty("checks").GetProperty("redis").GetProperty("status").GetString());
        }
        finally
        {
            await factory.RestoreRedisAsync();
        }
    }

    private static Task<HttpResponseMessage> Post(HttpClient client, string text) =>
        client.PostJsonAsync("/stories", new { text, visibility = "private" });

    public sealed class ProxiedRedisFactory : StoriesApiFactory
    {
        public ProxiedRedisFactory()
        {
            var options = ConfigurationOptions.Parse(TestServices.Cache);
            var (host, port) = options.EndPoints[0] switch
            {
                DnsEndPoint dns => (dns.Host, dns.Port),
                IPEndPoint ip => (ip.Address.ToString(), ip.Port),
                var other => throw new InvalidOperationException($"Unexpected Redis endpoint {other}."),
            };
            Proxy = new TcpProxy(host, port);
            options.EndPoints.Clear();
            options.EndPoints.Add(IPAddress.Loopback, Proxy.Port);
            WithSetting($"ConnectionStrings:{ResourceNames.Cache}", options.ToString(includePassword: true));
            WithSetting("RateLimits:Stories:PermitsPerMinute", "3");
            // /healthz follows the outage at once here (RestoreRedisAsync polls it, even with the clock
            // frozen); the cache of health results has tests of its own.
            WithSetting("Management:HealthCacheDuration", "00:00:00");
        }

        public TcpProxy Proxy { get; }

        /// <summary>
        /// Starts the proxy and waits until the API answers from Redis again: its health check pings
        /// through, and one rate-limit decision (a login) has been taken on Redis, which ends this host's fallback.
        /// </summary>
        public async Task RestoreRedisAsync()
        {
            Proxy.Start();
            using var client = CreateClient();
            await PlatformTestExtensions.EventuallyAsync(
                async () =>
                {
                    var health = await (await client.GetAsync("/healthz")).ReadJsonAsync();
                    return health.GetProperty("checks").GetProperty("redis").GetProperty("status").GetString() == "healthy";
                },
                "Redis answers the health check again");
            await client.PostJsonAsync("/login", new { email = ApiTestExtensions.UniqueEmail(), password = "any password at all" });
        }

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            await Proxy.DisposeAsync();
        }
    }
}
