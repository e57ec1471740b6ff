using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Stories.Data;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Data;

/// <summary>
/// The hot writes and their visibility checks run as server-side prepared statements; the feed does not.
/// The API here has a pool of one connection, so every statement of the requests below ran on the
/// connection whose prepared statements <c>pg_prepared_statements</c> lists afterwards.
/// </summary>
public sealed class PreparedStatementsTests(PreparedStatementsTests.OneConnectionFactory factory) : IClassFixture<PreparedStatementsTests.OneConnectionFactory>
{
    [Fact]
    public async Task AViewAReactionAndStoriesRunPreparedStatementsEachPreparedOnceWhileTheFeedStaysUnprepared()
    {
        var author = await factory.SignUpAsync();
        var viewer = await factory.SignUpAsync();
        using var authorClient = factory.CreateClientFor(author);
        // A token from before tokens carried the handle: its story reads the handle, by a prepared lookup.
        using var authorClientWithAnOldToken = factory.CreateClientWithToken(ApiTestExtensions.CreateToken(author.Id, issuedAt: factory.Clock.GetUtcNow()));
        using var viewerClient = factory.CreateClientFor(viewer);
        var first = await authorClient.CreateStoryIdAsync("first");
        var second = await authorClientWithAnOldToken.CreateStoryIdAsync("second");

        foreach (var story in new[] { first, second, first })
        {
            Assert.Equal(HttpStatusCode.NoContent, (await viewerClient.PostAsync($"/stories/{story}/view", null)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Created, (await viewerClient.PostJsonAsync($"/stories/{first}/reactions", new { emoji = "🔥" })).StatusCode);
        Assert.Contains(first, await viewerClient.FeedIdsAsync());

        var prepared = await PreparedStatementsAsync();

        Assert.All(prepared, statement => Assert.StartsWith("-- prepared", statement, StringComparison.Ordinal));
        // Views are coalesced by default: one statement for any number of rows, so one prepared text.
        Assert.Single(prepared, statement => statement.Contains("insert into story_views", StringComparison.Ordinal) && statement.Contains("unnest(", StringComparison.Ordinal));
        Assert.DoesNotContain(prepared, statement => statement.Contains("insert into story_views", StringComparison.Ordinal) && !statement.Contains("unnest(", StringComparison.Ordinal));
        Assert.Single(prepared, statement => statement.Contains("insert into reactions", StringComparison.Ordinal));
        Assert.Single(prepared, statement => statement.Contains("FROM stories", StringComparison.Ordinal));
        Assert.Single(prepared, statement => statement.Contains("SELECT u.handle", StringComparison.Ordinal));
        Assert.Single(prepared, statement => statement.Contains("insert into stories", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AQueryWithoutTheTagIsNotPrepared()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoriesDbContext>();
        await db.Database.OpenConnectionAsync();
        var marker = Guid.NewGuid();

        await db.Users.Where(user => user.Id == marker).Select(user => user.Email).ToListAsync();
        await db.Users.Where(user => user.Id == marker).Select(user => user.Email).Prepared().ToListAsync();

        var prepared = await db.Database.SqlQuery<string>($"select statement as \"Value\" from pg_prepared_statements").ToListAsync();
        await db.Database.CloseConnectionAsync();
        Assert.Contains(prepared, statement => statement.StartsWith("-- prepared", StringComparison.Ordinal) && statement.Contains("u.email", StringComparison.Ordinal));
        Assert.DoesNotContain(prepared, statement => !statement.StartsWith("-- prepared", StringComparison.Ordinal));
    }

    private async Task<List<string>> PreparedStatementsAsync()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoriesDbContext>();
        return await db.Database.SqlQuery<string>($"select statement as \"Value\" from pg_prepared_statements").ToListAsync();
    }

    public sealed class OneConnectionFactory : StoriesApiFactory
    {
        // One physical connection, so the test's query runs where the requests' statements ran; no feed
        // cache, so the feed is read from the database.
        public OneConnectionFactory() => WithSetting("Database:MaxPoolSize", "1").WithSetting("Caching:Enabled", "false");
    }
}
