using System.Net;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Uploads;

/// <summary>With client origins configured, the API gives its bucket CORS rules, so browsers can PUT and GET directly.</summary>
public sealed class BucketCorsTests(BucketCorsTests.CorsFactory factory) : IClassFixture<BucketCorsTests.CorsFactory>
{
    private const string AppOrigin = "https://app.example.com";

    [Theory]
    [InlineData("PUT", "content-type")]
    [InlineData("GET", null)]
    public async Task StorageAllowsTheConfiguredOriginToCallPresignedUrls(string method, string? requestHeaders)
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        var presigned = await client.PresignAsync("image/png", 10);

        var allowed = await PreflightAsync(presigned.GetProperty("upload_url").GetString()!, AppOrigin, method, requestHeaders);
        var other = await PreflightAsync(presigned.GetProperty("upload_url").GetString()!, "https://evil.example.com", method, requestHeaders);

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(AppOrigin, Assert.Single(allowed.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.False(other.Headers.Contains("Access-Control-Allow-Origin"));
    }

    private static async Task<HttpResponseMessage> PreflightAsync(string url, string origin, string method, string? requestHeaders)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, url);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        if (requestHeaders is not null)
        {
            request.Headers.Add("Access-Control-Request-Headers", requestHeaders);
        }

        using var storage = new HttpClient();
        return await storage.SendAsync(request);
    }

    public sealed class CorsFactory : StorageApiFactory
    {
        public CorsFactory() => WithSetting("Storage:CorsOrigins", $"{AppOrigin}, http://localhost:3000");
    }
}
