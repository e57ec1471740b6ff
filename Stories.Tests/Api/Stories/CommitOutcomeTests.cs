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
        await using var admin = new NpgsqlConnection(factory.DatabaseConnectionString);
        await admin.OpenAsync();
        // A deferred trigger runs at COMMIT: it holds the API's session there until the test ends it.
        await ExecuteAsync(admin, """
            create function test_hold_commit() returns trigger language plpgsql as $$ begin perform pg_sleep(30); return null; end $$;
            create constraint trigger test_hold_commit after insert on stories deferrable initially deferred
                for each row when (new.text = 'lost at commit') execute function test_hold_commit();
            """);

        var posting = client.PostStoryWithKeyAsync(key, body);
        var committing = await WaitForCommittingSessionAsync(admin);
        await ExecuteAsync(admin, $"select pg_terminate_backend({committing})");
        using var lost = await posting;
        await ExecuteAsync(admin, "drop trigger test_hold_commit on stories; drop function test_hold_commit()");
        using var retried = await client.PostStoryWithKeyAsync(key, body);

        var problem = await lost.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("The database was lost while saving.", problem.GetProperty("title").GetString());
        Assert.Contains("outcome is unknown", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("same Idempotency-Key", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.NotNull(lost.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        Assert.Equal(1L, await factory.ScalarAsync<long>("select count(*) from stories where text = 'lost at commit'"));
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The pid of the session held in COMMIT by the trigger.</summary>
    private static async Task<int> WaitForCommittingSessionAsync(NpgsqlConnection connection)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            await using var find = new NpgsqlCommand(
                "select pid from pg_stat_activity where wait_event = 'PgSleep' and query ilike 'commit%' and pid <> pg_backend_pid()", connection);
            if (await find.ExecuteScalarAsync(timeout.Token) is int pid)
            {
                return pid;
            }

            await Task.Delay(50, timeout.Token);
        }
    }
}
