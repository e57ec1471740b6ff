using System.Net;
using Npgsql;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Stories;

public sealed class IdempotencyTests(StoriesApiFactory factory) : IClassFixture<StoriesApiFactory>
{
    [Fact]
    public async Task SameKeyAndSameBodyReplaysTheOriginalResponse()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        var key = Guid.NewGuid().ToString();

        var first = await PostAsync(client, key, new { text = "once", visibility = "public" });
        var second = await PostAsync(client, key, new { text = "once", visibility = "public" });

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.Equal(1, await factory.ScalarAsync<long>("select count(*) from stories where author_id = @id", ("id", user.Id)));
    }

    [Fact]
    public async Task ReusingIdempotencyKeyWithDifferentBodyReturns422()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        var key = Guid.NewGuid().ToString();

        await PostAsync(client, key, new { text = "first", visibility = "public" });
        var second = await PostAsync(client, key, new { text = "second", visibility = "public" });

        await second.AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Equal(1, await factory.ScalarAsync<long>("select count(*) from stories where author_id = @id", ("id", user.Id)));
    }

    [Fact]
    public async Task KeysAreScopedPerUser()
    {
        var alice = await factory.SignUpAsync();
        var bob = await factory.SignUpAsync();
        using var aliceClient = factory.CreateClientFor(alice);
        using var bobClient = factory.CreateClientFor(bob);
        var key = Guid.NewGuid().ToString();

        var a = await PostAsync(aliceClient, key, new { text = "same", visibility = "public" });
        var b = await PostAsync(bobClient, key, new { text = "same", visibility = "public" });

        Assert.Equal(HttpStatusCode.Created, a.StatusCode);
        Assert.Equal(HttpStatusCode.Created, b.StatusCode);
        Assert.NotEqual(a.Headers.Location, b.Headers.Location);
    }

    [Fact]
    public async Task RequestWhileTheFirstWithThatKeyIsStillRunningIs409()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        var key = Guid.NewGuid().ToString();

        // Hold the very lock a running request holds, from another session.
        await using var connection = new NpgsqlConnection(factory.DatabaseConnectionString);
        await connection.OpenAsync();
        await using (var hold = new NpgsqlCommand("select pg_advisory_lock(hashtextextended(@name, 0))", connection))
        {
            hold.Parameters.AddWithValue("name", $"idempotency:{user.Id}:{key}");
            await hold.ExecuteNonQueryAsync();
        }

        var whileRunning = await PostAsync(client, key, new { text = "racing", visibility = "public" });
        await using (var release = new NpgsqlCommand("select pg_advisory_unlock_all()", connection))
        {
            await release.ExecuteNonQueryAsync();
        }

        var afterwards = await PostAsync(client, key, new { text = "racing", visibility = "public" });

        await whileRunning.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(HttpStatusCode.Created, afterwards.StatusCode);
    }

    [Fact]
    public async Task ConcurrentRequestsWithOneKeyCreateExactlyOneStory()
    {
        var user = await factory.SignUpAsync();
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(async _ =>
        {
            using var client = factory.CreateClientFor(user);
            return await PostAsync(client, key, new { text = "concurrent", visibility = "public" });
        }));

        Assert.All(responses, response => Assert.Contains(response.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.Conflict }));
        Assert.Single(responses.Where(r => r.StatusCode == HttpStatusCode.Created).Select(r => r.Headers.Location).Distinct());
        Assert.Equal(1, await factory.ScalarAsync<long>("select count(*) from stories where author_id = @id", ("id", user.Id)));
    }

    [Fact]
    public async Task KeyIsForgottenAfter24Hours()
    {
        var user = await factory.SignUpAsync();
        var key = Guid.NewGuid().ToString();
        using (var client = factory.CreateClientFor(user))
        {
            await PostAsync(client, key, new { text = "day one", visibility = "public" });
        }

        factory.Clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromMinutes(1));
        try
        {
            using var later = factory.CreateClientWithToken(ApiTestExtensions.CreateToken(user.Id, issuedAt: factory.Clock.GetUtcNow(), expires: factory.Clock.GetUtcNow().AddHours(1)));
            var again = await PostAsync(later, key, new { text = "day two", visibility = "public" });

            Assert.Equal(HttpStatusCode.Created, again.StatusCode);
            Assert.Equal(2, await factory.ScalarAsync<long>("select count(*) from stories where author_id = @id", ("id", user.Id)));
        }
        finally
        {
            factory.Clock.Advance(-(TimeSpan.FromHours(24) + TimeSpan.FromMinutes(1)));
        }
    }

    [Fact]
    public async Task OverLongKeyIs400()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);

        var response = await PostAsync(client, new string('k', 256), new { text = "x", visibility = "public" });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.Errors().ContainsKey("Idempotency-Key"));
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string key, object body) => client.PostStoryWithKeyAsync(key, body);
}
