using System.Net;
using Npgsql;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Stories;

/// <summary>
/// The database lost in the middle of COMMIT: the API cannot know whether the story was saved, and must
/// say so — "nothing was changed" would send a client without a key to create it twice.
/// </summary>
public sealed class CommitOutcomeTests(StoriesApiFactory factory) : IClassFixture<StoriesApiFactory>
{
    [Fact]
    public async Task ADatabaseLostDuringCommitAnswers503ThatTheOutcomeIsUnknownAndARetryWithTheKeyCreatesTheStory()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        var body = new { text = "lost at commit", visibility = "public" };
        var key = Guid.NewGuid().ToString();

        using var lost = await LoseTheSessionWhileItCommitsAsync(() => client.PostStoryWithKeyAsync(key, body), body.text, "commit%");
        using var retried = await client.PostStoryWithKeyAsync(key, body);

        var problem = await lost.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("The database was lost while saving.", problem.GetProperty("title").GetString());
        Assert.Contains("outcome is unknown", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("same Idempotency-Key", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.NotNull(lost.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        Assert.Equal(1L, await factory.ScalarAsync<long>("select count(*) from stories where text = 'lost at commit'"));
    }

    [Fact]
    public async Task ADatabaseLostWhileAStoryWithoutAKeyCommitsAnswers503ThatTheOutcomeIsUnknown()
    {
        // Without a key or an audience the story is one autocommitted INSERT: its commit is the statement's end,
        // so a session lost there is as unknown as one lost in an explicit COMMIT.
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        var body = new { text = "lost at autocommit", visibility = "public" };

        using var lost = await LoseTheSessionWhileItCommitsAsync(() => client.PostJsonAsync("/stories", body), body.text, "%insert into stories%");

        var problem = await lost.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("The database was lost while saving.", problem.GetProperty("title").GetString());
        Assert.Contains("outcome is unknown", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.NotNull(lost.Headers.RetryAfter);
    }

    /// <summary>
    /// Sends <paramref name="post"/> while a deferred trigger holds the commit of a story with <paramref name="text"/>
    /// (it runs at COMMIT, or at the end of an autocommitted statement), terminates the API's session there,
    /// and returns the answer.
    /// </summary>
    private async Task<HttpResponseMessage> LoseTheSessionWhileItCommitsAsync(Func<Task<HttpResponseMessage>> post, string text, string statement)
    {
        await using var admin = new NpgsqlConnection(factory.DatabaseConnectionString);
        await admin.OpenAsync();
        await ExecuteAsync(admin, $"""
            create function test_hold_commit() returns trigger language plpgsql as $$ begin perform pg_sleep(30); return null; end $$;
            create constraint trigger test_hold_commit after insert on stories deferrable initially deferred
                for each row when (new.text = '{text}') execute function test_hold_commit();
            """);
        try
        {
            var posting = post();
            var committing = await WaitForCommittingSessionAsync(admin, statement);
            await ExecuteAsync(admin, $"select pg_terminate_backend({committing})");
            return await posting;
        }
        finally
        {
            await ExecuteAsync(admin, "drop trigger test_hold_commit on stories; drop function test_hold_commit()");
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The pid of the session held by the trigger in the commit of a statement like <paramref name="statement"/>.</summary>
    private static async Task<int> WaitForCommittingSessionAsync(NpgsqlConnection connection, string statement)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            await using var find = new NpgsqlCommand(
                "select pid from pg_stat_activity where wait_event = 'PgSleep' and query ilike @statement and pid <> pg_backend_pid()", connection);
            find.Parameters.AddWithValue("statement", statement);
            if (await find.ExecuteScalarAsync(timeout.Token) is int pid)
            {
                return pid;
            }

            await Task.Delay(50, timeout.Token);
        }
    }
}
