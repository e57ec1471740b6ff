using System.Net;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Platform;

public sealed class HttpHygieneTests(StoriesApiFactory factory) : IClassFixture<StoriesApiFactory>
{
    [Theory]
    [InlineData("http://localhost:3000")]
    [InlineData("http://localhost:5173")]
    public async Task PreflightFromADefaultOriginIsAllowed(string origin)
    {
        using var client = factory.CreateClient();

        var response = await client.SendAsync(Preflight("/stories", origin));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(origin, response.Header("Access-Control-Allow-Origin"));
        Assert.Contains("POST", response.Header("Access-Control-Allow-Methods"));
        Assert.Contains("authorization", response.Header("Access-Control-Allow-Headers")!, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("idempotency-key", response.Header("Access-Control-Allow-Headers")!, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("600", response.Header("Access-Control-Max-Age"));
        Assert.Null(response.Header("Access-Control-Allow-Credentials"));
    }

    [Theory]
    [InlineData("https://evil.example")]
    [InlineData("http://localhost:3001")]
    [InlineData("null")]
    public async Task PreflightFromAnyOtherOriginGetsNoCorsHeaders(string origin)
    {
        using var client = factory.CreateClient();

        var response = await client.SendAsync(Preflight("/stories", origin));

        Assert.Null(response.Header("Access-Control-Allow-Origin"));
        Assert.Null(response.Header("Access-Control-Allow-Methods"));
    }

    [Fact]
    public async Task ACrossOriginAnswerExposesTheRateLimitFields()
    {
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/login")
        {
            Content = new StringContent("""{"email":"nobody@example.com","password":"whatever it is"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Origin", "http://localhost:5173");

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("http://localhost:5173", response.Header("Access-Control-Allow-Origin"));
        Assert.Contains("RateLimit", response.Header("Access-Control-Expose-Headers")!, StringComparison.Ordinal);
        Assert.NotNull(response.Header("RateLimit"));
    }

    [Fact]
    public async Task ConfiguredOriginsReplaceTheDefaults()
    {
        await using var custom = new StoriesApiFactory().WithSetting("Cors:Origins:0", "https://app.example.com");
        await custom.InitializeAsync();
        using var client = custom.CreateClient();

        var configured = await client.SendAsync(Preflight("/feed", "https://app.example.com", "GET"));
        var formerDefault = await client.SendAsync(Preflight("/feed", "http://localhost:3000", "GET"));

        Assert.Equal("https://app.example.com", configured.Header("Access-Control-Allow-Origin"));
        Assert.Null(formerDefault.Header("Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("/healthz", false, HttpStatusCode.OK)]
    [InlineData("/metrics", false, HttpStatusCode.OK)]
    [InlineData("/feed", false, HttpStatusCode.Unauthorized)]
    [InlineData("/feed?limit=0", true, HttpStatusCode.BadRequest)]
    [InlineData("/stories/00000000-0000-0000-0000-000000000001", true, HttpStatusCode.NotFound)]
    [InlineData("/no/such/route", true, HttpStatusCode.NotFound)]
    public async Task SecurityHeadersAreOnEveryAnswer(string path, bool authenticated, HttpStatusCode status)
    {
        using var client = authenticated ? factory.CreateClientFor(await factory.SignUpAsync()) : factory.CreateClient();

        var response = await client.GetAsync(path);

        Assert.Equal(status, response.StatusCode);
        response.AssertSecurityHeaders("default-src 'none'; frame-ancestors 'none'");
    }

    [Theory]
    [InlineData("/docs/")]
    [InlineData("/docs/scalar.js")]
    [InlineData("/docs/scalar.aspnetcore.js")]
    public async Task TheDocsPageAndItsAssetsMayRunTheirOwnScriptsButNotBeFramed(string path)
    {
        using var client = factory.CreateClient();

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        response.AssertSecurityHeaders("frame-ancestors 'none'");
    }

    [Fact]
    public async Task HstsIsNotSentOverPlainHttp()
    {
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/healthz");

        // UseHsts() runs outside Development, but the header only means something over HTTPS.
        Assert.Null(response.Header("Strict-Transport-Security"));
    }

    private static HttpRequestMessage Preflight(string path, string origin, string method = "POST")
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type,idempotency-key");
        return request;
    }
}
