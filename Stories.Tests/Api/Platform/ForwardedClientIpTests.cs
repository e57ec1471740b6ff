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
    [Fact]
    public async Task EachForwardedClientIpHasItsOwnLoginBucket()
    {
        using var client = factory.CreateClient();
        factory.Clock.Freeze();
        try
        {
            var first = await client.FailLoginForwardedForAsync("203.0.113.10");
            var firstAgain = await client.FailLoginForwardedForAsync("203.0.113.10");
            var second = await client.FailLoginForwardedForAsync("203.0.113.11");

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

    public sealed class BehindAProxy : StoriesApiFactory
    {
        public BehindAProxy()
        {
            // ASP.NET Core's own switch, as the environment variable ASPNETCORE_FORWARDEDHEADERS_ENABLED sets it.
            WithSetting("FORWARDEDHEADERS_ENABLED", "true");
            WithSetting("RateLimits:Login:PermitsPerMinute", "1");
        }
    }
}
