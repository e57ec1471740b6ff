using System.Net;
using System.Net.Http.Json;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Platform;

/// <summary>
/// Every write or costly route draws from a per-user bucket, here one request a minute: the second
/// request of a user is refused before the route runs. Each case spends a new user's buckets.
/// </summary>
[Trait("Category", TestCategories.RedisCluster)]
public sealed class RouteRateLimitTests(RouteRateLimitTests.OneAMinute factory) : IClassFixture<RouteRateLimitTests.OneAMinute>
{
    [Theory]
    [InlineData("uploads", "POST /upload/presigned", "POST /upload/presigned")]
    [InlineData("search", "GET /search?q=harbour", "GET /search?q=harbour")]
    // Following and unfollowing share one bucket.
    [InlineData("follows", "POST /follow/{other}", "DELETE /follow/{other}")]
    [InlineData("tickets", "POST /events/ticket", "POST /events/ticket")]
    [InlineData("deletes", "DELETE /stories/{story}", "DELETE /stories/{story}")]
    [InlineData("views", "POST /stories/{story}/view", "POST /stories/{story}/view")]
    public async Task RouteIsRefusedWith429AfterTheUsersBucketIsSpent(string policy, string first, string second)
    {
        var user = await factory.SignUpAsync();
        var other = await factory.SignUpAsync();
        var story = Guid.NewGuid();
        using var client = factory.CreateClientFor(user);
        factory.Clock.Freeze();
        try
        {
            var allowed = await client.SendAsync(Request(first, other.Id, story));
            var refused = await client.SendAsync(Request(second, other.Id, story));

            Assert.NotEqual(HttpStatusCode.TooManyRequests, allowed.StatusCode);
            Assert.Equal($"\"{policy}\";q=1;w=60", allowed.Header("RateLimit-Policy"));
            var problem = await refused.AssertProblemAsync(HttpStatusCode.TooManyRequests);
            Assert.Contains($"'{policy}'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal("60", refused.Header("Retry-After"));
        }
        finally
        {
            factory.Clock.Resume();
        }
    }

    private static HttpRequestMessage Request(string route, Guid other, Guid story)
    {
        var (method, path) = (route[..route.IndexOf(' ', StringComparison.Ordinal)], route[(route.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
        var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{other}", other.ToString(), StringComparison.Ordinal).Replace("{story}", story.ToString(), StringComparison.Ordinal));
        if (path == "/upload/presigned")
        {
            request.Content = JsonContent.Create(new { content_type = "image/jpeg", file_name = "harbour.jpg", content_length = 1000 });
        }

        return request;
    }

    public sealed class OneAMinute : StoriesApiFactory
    {
        public OneAMinute()
        {
            foreach (var policy in new[] { "uploads", "search", "follows", "tickets", "deletes", "views" })
            {
                WithSetting($"RateLimits:{policy}:PermitsPerMinute", "1");
            }
        }
    }
}
