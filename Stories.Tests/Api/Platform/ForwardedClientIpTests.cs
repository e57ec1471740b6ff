using System.Net;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Platform;

/// <summary>
/// Behind a reverse proxy (Azure Container Apps' ingress, nginx) every request comes from the proxy;
/// with <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED=true</c> the client IP is the one the proxy appended to
/// <c>X-Forwarded-For</c>, so each client keeps its own login bucket. Each test uses its own addresses.
/// </summary>
public sealed class ForwardedClientIpTests(ForwardedClientIpTests.BehindAProxy factory) : IClassFixture<ForwardedClientIpTests.BehindAProxy>
{
    [Theory]
    [InlineData("203.0.113.10", "203.0.113.10", "203.0.113.11")]
    // An IPv6 client's bucket is its /64: a subscriber can pick any address in it at will.
    [InlineData("2001:db8:17:1::1", "2001:db8:17:1:ffff:ffff:ffff:fffe", "2001:db8:17:2::1")]
    public async Task EachForwardedClientHasItsOwnLoginBucketAnIpv6ClientOnePerSlash64(string client1, string sameBucket, string client2)
    {
        using var client = factory.CreateClient();
        factory.Clock.Freeze();
        try
        {
            var first = await client.FailLoginForwardedForAsync(client1);
            var firstAgain = await client.FailLoginForwardedForAsync(sameBucket);
            var second = await client.FailLoginForwardedForAsync(client2);

            Assert.Equal(HttpStatusCode.Unauthorized, first.StatusCode);
            await firstAgain.AssertProblemAsync(HttpStatusCode.TooManyRequests);
            Assert.Equal(HttpStatusCode.Unauthorized, second.StatusCode);
        }
        finally
        {
            factory.Clock.Resume();
        }
    }

    [Fact]
    public async Task AnAddressTheClientPutsInFrontOfTheProxysEntryBuysNoNewBucket()
    {
        using var client = factory.CreateClient();
        factory.Clock.Freeze();
        try
        {
            var spent = await client.FailLoginForwardedForAsync("203.0.113.20");
            // The proxy appends the address it saw; whatever the client sent stands to its left.
            var spoofed = await client.FailLoginForwardedForAsync("198.51.100.7, 203.0.113.20");

            Assert.Equal(HttpStatusCode.Unauthorized, spent.StatusCode);
            await spoofed.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        }
        finally
        {
            factory.Clock.Resume();
        }
    }

    [Fact]
    public async Task OneAccountsLoginsAreLimitedWhateverAddressesTheyComeFrom()
    {
        var email = ApiTestExtensions.UniqueEmail("target");
        using var client = factory.CreateClient();
        factory.Clock.Freeze();
        try
        {
            var guesses = new List<HttpResponseMessage>();
            for (var i = 1; i <= 3; i++)
            {
                guesses.Add(await client.FailLoginForwardedForAsync($"198.51.100.{i}", email));
            }

            Assert.All(guesses[..2], guess => Assert.Equal(HttpStatusCode.Unauthorized, guess.StatusCode));
            var problem = await guesses[2].AssertProblemAsync(HttpStatusCode.TooManyRequests);
            Assert.Contains("'login_email'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal("30", guesses[2].Header("Retry-After"));
        }
        finally
        {
            factory.Clock.Resume();
        }
    }

    [Fact]
    public async Task SignUpsRefusedAsTakenSpendTheClientsBucketToo()
    {
        // Sign-up's 409 says an email has an account; only the bucket bounds how many a client may ask about.
        var taken = await factory.SignUpAsync();
        using var client = factory.CreateClient();
        factory.Clock.Freeze();
        try
        {
            var conflicts = new List<HttpResponseMessage>();
            for (var i = 0; i < 2; i++)
            {
                conflicts.Add(await client.SignUpForwardedForAsync("203.0.113.30", taken.Email));
            }

            var refused = await client.SignUpForwardedForAsync("203.0.113.30", taken.Email);

            Assert.All(conflicts, response => Assert.Equal(HttpStatusCode.Conflict, response.StatusCode));
            Assert.Equal("\"signup\";r=0;t=60", conflicts[^1].Header("RateLimit"));
            await refused.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        }
        finally
        {
            factory.Clock.Resume();
        }
    }

    public sealed class BehindAProxy : StoriesApiFactory
    {
        public BehindAProxy()
        {
            // ASP.NET Core's own switch, as the environment variable ASPNETCORE_FORWARDEDHEADERS_ENABLED sets it.
            WithSetting("FORWARDEDHEADERS_ENABLED", "true");
            WithSetting("RateLimits:Login:PermitsPerMinute", "1");
            WithSetting("RateLimits:login_email:PermitsPerMinute", "2");
            WithSetting("RateLimits:Signup:PermitsPerMinute", "2");
        }
    }
}
