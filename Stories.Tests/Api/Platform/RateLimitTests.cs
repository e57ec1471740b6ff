using System.Net;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Platform;

/// <summary>
/// Per-user token buckets in Redis, with small limits so the edges are cheap to reach: 3 stories
/// and 2 reactions a minute. The clock is frozen while a test spends tokens, so nothing refills
/// behind its back; it moves only when a test moves it.
/// </summary>
[Trait("Category", TestCategories.RedisCluster)]
public sealed class RateLimitTests(RateLimitTests.SmallLimits factory) : IClassFixture<RateLimitTests.SmallLimits>
{
    [Fact]
    public async Task StoriesAreRefusedAfterExactlyTheConfiguredCountPerUser()
    {
        var user = await factory.SignUpAsync();
        var other = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        using var otherClient = factory.CreateClientFor(other);
        factory.Clock.Freeze();
        try
        {
            var allowed = new List<HttpResponseMessage>();
            for (var i = 0; i < 3; i++)
            {
                allowed.Add(await client.PostJsonAsync("/stories", new { text = $"within the limit {i}", visibility = "public" }));
            }

            var refused = await client.PostJsonAsync("/stories", new { text = "one too many", visibility = "public" });
            var otherUsers = await otherClient.PostJsonAsync("/stories", new { text = "my own bucket", visibility = "public" });

            Assert.All(allowed, response => Assert.Equal(HttpStatusCode.Created, response.StatusCode));
            Assert.All(allowed, response => Assert.Equal("\"stories\";q=3;w=60", response.Header("RateLimit-Policy")));
            Assert.Equal(["\"stories\";r=2;t=20", "\"stories\";r=1;t=40", "\"stories\";r=0;t=60"], allowed.Select(r => r.Header("RateLimit")));
            var problem = await refused.AssertProblemAsync(HttpStatusCode.TooManyRequests);
            Assert.Equal("Too many requests.", problem.GetProperty("title").GetString());
            Assert.Contains("'stories'", problem.GetProperty("detail").GetString());
            Assert.Equal("20", refused.Header("Retry-After"));
            Assert.Equal("\"stories\";q=3;w=60", refused.Header("RateLimit-Policy"));
            Assert.Equal("\"stories\";r=0;t=60", refused.Header("RateLimit"));
            Assert.Equal(HttpStatusCode.Created, otherUsers.StatusCode);
            Assert.Equal("\"stories\";r=2;t=20", otherUsers.Header("RateLimit"));
        }
        finally
        {
            factory.Clock.Resume();
        }
    }

    [Fact]
    public async Task AnEmptyBucketRefillsAsTheClockMoves()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        factory.Clock.Freeze();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(HttpStatusCode.Created, (await client.PostJsonAsync("/stories", new { text = $"spend {i}", visibility = "private" })).StatusCode);
            }

            var empty = await client.PostJsonAsync("/stories", new { text = "empty", visibility = "private" });
            factory.Clock.Advance(TimeSpan.FromSeconds(19));
            var almost = await client.PostJsonAsync("/stories", new { text = "almost", visibility = "private" });
            factory.Clock.Advance(TimeSpan.FromSeconds(1));
            var oneToken = await client.PostJsonAsync("/stories", new { text = "one token back", visibility = "private" });
            var emptyAgain = await client.PostJsonAsync("/stories", new { text = "empty again", visibility = "private" });
            factory.Clock.Advance(TimeSpan.FromMinutes(5));
            var refilled = await client.PostJsonAsync("/stories", new { text = "full again", visibility = "private" });

            Assert.Equal(HttpStatusCode.TooManyRequests, empty.StatusCode);
            Assert.Equal("20", empty.Header("Retry-After"));
            Assert.Equal(HttpStatusCode.TooManyRequests, almost.StatusCode);
            Assert.Equal("1", almost.Header("Retry-After"));
            Assert.Equal(HttpStatusCode.Created, oneToken.StatusCode);
            Assert.Equal("\"stories\";r=0;t=60", oneToken.Header("RateLimit"));
            Assert.Equal(HttpStatusCode.TooManyRequests, emptyAgain.StatusCode);
            Assert.Equal(HttpStatusCode.Created, refilled.StatusCode);
            Assert.Equal("\"stories\";r=2;t=20", refilled.Header("RateLimit"));
        }
        finally
        {
            factory.Clock.Resume();
        }
    }

    [Fact]
    public async Task ReactionsHaveTheirOwnPerUserBucket()
    {
        var author = await factory.SignUpAsync();
        var fan = await factory.SignUpAsync();
        using var authorClient = factory.CreateClientFor(author);
        using var fanClient = factory.CreateClientFor(fan);
        var story = await authorClient.CreateStoryIdAsync("react to me");
        factory.Clock.Freeze();
        try
        {
            var first = await fanClient.PostJsonAsync($"/stories/{story}/reactions", new { emoji = "🔥" });
            var second = await fanClient.PostJsonAsync($"/stories/{story}/reactions", new { emoji = "❤️" });
            var third = await fanClient.PostJsonAsync($"/stories/{story}/reactions", new { emoji = "😂" });
            var ownStory = await fanClient.PostJsonAsync("/stories", new { text = "stories are another bucket", visibility = "public" });

            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
            Assert.Equal(HttpStatusCode.Created, second.StatusCode);
            Assert.Equal("\"reactions\";q=2;w=60", second.Header("RateLimit-Policy"));
            Assert.Equal("\"reactions\";r=0;t=60", second.Header("RateLimit"));
            await third.AssertProblemAsync(HttpStatusCode.TooManyRequests);
            Assert.Equal("30", third.Header("Retry-After"));
            Assert.Equal(HttpStatusCode.Created, ownStory.StatusCode);
        }
        finally
        {
            factory.Clock.Resume();
        }
    }

    [Fact]
    public async Task ARefusedRequestIsNeitherReadNorRun()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        factory.Clock.Freeze();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                await client.CreateStoryIdAsync($"spend {i}");
            }

            var malformed = await client.PostRawJsonAsync("/stories", "{ not json");
            var valid = await client.PostJsonAsync("/stories", new { text = "never stored", visibility = "public" });

            await malformed.AssertProblemAsync(HttpStatusCode.TooManyRequests);
            await valid.AssertProblemAsync(HttpStatusCode.TooManyRequests);
            Assert.Equal(3L, await factory.ScalarAsync<long>("select count(*) from stories where author_id = @id", ("id", user.Id)));
        }
        finally
        {
            factory.Clock.Resume();
        }
    }

    [Fact]
    public async Task RoutesWithoutALimitCarryNoRateLimitFields()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);

        var feed = await client.GetAsync("/feed");

        Assert.Equal(HttpStatusCode.OK, feed.StatusCode);
        Assert.Null(feed.Header("RateLimit"));
        Assert.Null(feed.Header("RateLimit-Policy"));
    }

    public sealed class SmallLimits : StoriesApiFactory
    {
        public SmallLimits()
        {
            WithSetting("RateLimits:Stories:PermitsPerMinute", "3");
            WithSetting("RateLimits:Reactions:PermitsPerMinute", "2");
        }
    }
}
