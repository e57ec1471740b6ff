using System.Net;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Platform;

/// <summary>
/// Login and sign-up are limited per client IP — every request here comes from 127.0.0.1 — so
/// credential stuffing cannot spread its guesses over many accounts. Each test spends a different bucket.
/// </summary>
[Trait("Category", TestCategories.RedisCluster)]
public sealed class ClientIpRateLimitTests(ClientIpRateLimitTests.SmallLimits factory) : IClassFixture<ClientIpRateLimitTests.SmallLimits>
{
    [Fact]
    public async Task LoginIsRefusedPerClientIpAfterTheConfiguredCountWhateverTheAccount()
    {
        using var client = factory.CreateClient();
        factory.Clock.Freeze();
        try
        {
            var attempts = new List<HttpResponseMessage>();
            for (var i = 0; i < 3; i++)
            {
                attempts.Add(await client.PostJsonAsync("/login", new { email = ApiTestExtensions.UniqueEmail("stuffing"), password = "guessed password" }));
            }

            // Forwarded headers are off unless configured: a client cannot name another address to get a new bucket.
            var refused = await client.FailLoginForwardedForAsync("203.0.113.99");

            Assert.All(attempts, response => Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode));
            Assert.All(attempts, response => Assert.Equal("\"login\";q=3;w=60", response.Header("RateLimit-Policy")));
            Assert.Equal("\"login\";r=0;t=60", attempts[^1].Header("RateLimit"));
            await refused.AssertProblemAsync(HttpStatusCode.TooManyRequests);
            Assert.Equal("20", refused.Header("Retry-After"));
        }
        finally
        {
            factory.Clock.Resume();
        }
    }

    [Fact]
    public async Task SignUpIsRefusedPerClientIpAfterTheConfiguredCount()
    {
        using var client = factory.CreateClient();
        factory.Clock.Freeze();
        try
        {
            var signUps = new List<HttpResponseMessage>();
            for (var i = 0; i < 3; i++)
            {
                signUps.Add(await client.PostJsonAsync("/signup", new { email = ApiTestExtensions.UniqueEmail(), password = "correct horse battery" }));
            }

            var refused = await client.PostJsonAsync("/signup", new { email = ApiTestExtensions.UniqueEmail(), password = "correct horse battery" });

            Assert.All(signUps, response => Assert.Equal(HttpStatusCode.Created, response.StatusCode));
            Assert.Equal("\"signup\";r=0;t=60", signUps[^1].Header("RateLimit"));
            await refused.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        }
        finally
        {
            factory.Clock.Resume();
        }
    }

    public sealed class SmallLimits : StoriesApiFactory
    {
        public SmallLimits()
        {
            WithSetting("RateLimits:Login:PermitsPerMinute", "3");
            WithSetting("RateLimits:Signup:PermitsPerMinute", "3");
        }
    }
}
