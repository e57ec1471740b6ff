using System.Globalization;
using Stories.Resources;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Worker;

/// <summary>
/// The real worker process killed by SIGKILL in the middle of a sweep, then run again: the batches
/// the dead process committed stay as it left them, its open batch is rolled back by PostgreSQL,
/// and the next process expires exactly the rest — every due story once.
/// </summary>
public sealed class ExpiryKillTests(WorkerFactory factory) : IClassFixture<WorkerFactory>, IAsyncLifetime
{
    // A few seconds of sweeping here (~20,000 rows/s, docs/benchmarks.md) in 200 batches; the kill
    // comes right after the first one commits.
    private const int DueStories = 50_000;
    private const int NotDueStories = 100;
    private const int BatchSize = 250;
    private const int SigKillExitCode = 128 + 9;

    public Task InitializeAsync() => factory.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task WorkerKilledMidSweepAndRunAgainExpiresEveryDueStoryExactlyOnce()
    {
        var author = await factory.SeedUserAsync();
        await factory.ExecuteAsync(
            """
            insert into stories (id, author_id, text, visibility, created_at, expires_at)
            select gen_random_uuid(), @author, 'story ' || n, 'public',
                now() - interval '25 hours', now() - interval '1 hour' + n * interval '10 milliseconds'
            from generate_series(1, @due) n;
            insert into stories (id, author_id, text, visibility, created_at, expires_at)
            select gen_random_uuid(), @author, 'not due ' || n, 'public', now(), now() + interval '1 day'
            from generate_series(1, @notDue) n;
            analyze stories;
            """,
            ("author", author), ("due", DueStories), ("notDue", NotDueStories));

        // Each expired row costs the first run ~1 ms more, so its sweep lasts seconds and the kill below
        // lands mid-sweep however late this test gets to it (the whole sweep once beat a busy machine's poll).
        await factory.ExecuteAsync(
            """
            create function slow_sweep() returns trigger language plpgsql as 'begin perform pg_sleep(0.001); return new; end';
            create trigger slow_sweep before update on stories for each row execute function slow_sweep();
            """);
        using var first = WorkerProcess.StartSweepOnce(Settings("expiry-kill-first"));
        await WaitUntilSomeAreExpiredAsync(first);
        first.Kill();
        await first.WaitForExitAsync(TimeSpan.FromSeconds(30));
        // The server finishes (and commits) a statement whose client died; wait until its session is
        // gone, so the snapshot below is everything the first process will ever have written.
        await WaitUntilSessionsEndAsync("expiry-kill-first");
        await factory.ExecuteAsync(
            """
            drop trigger slow_sweep on stories;
            drop function slow_sweep();
            drop table if exists first_run;
            create table first_run as select id, deleted_at from stories where deleted_at is not null;
            -- Keyed and analyzed: without statistics the planner once joined it to stories in a nested
            -- loop of sequential scans, and a count below ran past the 30 s command timeout.
            alter table first_run add primary key (id);
            analyze first_run, stories;
            """);
        var firstRunCount = await factory.ScalarAsync<long>("select count(*) from first_run");
        var firstRunStamps = await factory.ScalarAsync<long>("select count(distinct deleted_at) from first_run");

        using var second = WorkerProcess.StartSweepOnce(Settings("expiry-kill-second"));
        await second.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(first.ExitCode == SigKillExitCode && first.WithMessage("stories expired").Count == 0,
            $"The first worker was not killed mid-sweep (exit code {first.ExitCode}). Output:\n{first.Output}");
        Assert.True(firstRunCount is > 0 and < DueStories,
            $"The kill did not land mid-sweep: {firstRunCount} of {DueStories} stories were expired by then. Seed more or use smaller batches.");
        Assert.Equal(1, firstRunStamps);
        Assert.True(second.ExitCode == 0, $"The second worker exited with {second.ExitCode}. Output:\n{second.Output}");
        var reported = Assert.Single(second.WithMessage("stories expired")).GetProperty("count").GetInt64();
        Assert.Equal(DueStories - firstRunCount, reported);
        Assert.Equal(0, await factory.ScalarAsync<long>(
            "select count(*) from first_run f join stories s using (id) where s.deleted_at is distinct from f.deleted_at"));
        Assert.Equal(reported, await factory.ScalarAsync<long>(
            "select count(*) from stories s where deleted_at is not null and not exists (select 1 from first_run f where f.id = s.id)"));
        Assert.Equal(1, await factory.ScalarAsync<long>(
            "select count(distinct deleted_at) from stories s where not exists (select 1 from first_run f where f.id = s.id) and deleted_at is not null"));
        Assert.Equal(0, await factory.ScalarAsync<long>("select count(*) from stories where deleted_at is null and expires_at < now()"));
        Assert.Equal(NotDueStories, await factory.ScalarAsync<long>("select count(*) from stories where deleted_at is null"));
    }

    private Dictionary<string, string> Settings(string applicationName) => new()
    {
        [$"ConnectionStrings__{ResourceNames.Database}"] = $"{factory.DatabaseConnectionString};Application Name={applicationName}",
        [$"ConnectionStrings__{ResourceNames.Storage}"] = TestServices.Storage,
        ["Storage__Bucket"] = factory.Bucket,
        ["Expiry__BatchSize"] = BatchSize.ToString(CultureInfo.InvariantCulture),
        ["DOTNET_ENVIRONMENT"] = "Testing",
        ["ASPNETCORE_ENVIRONMENT"] = "Testing",
        // The SQL of 200 batches would only bury the line the test reads.
        ["Logging__LogLevel__Microsoft.EntityFrameworkCore"] = "Warning",
    };

    /// <summary>Polls until the running worker has committed its first batches (or exits, or a generous bound passes).</summary>
    private async Task WaitUntilSomeAreExpiredAsync(WorkerProcess worker)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!worker.HasExited && DateTime.UtcNow < deadline
            && await factory.ScalarAsync<long>("select count(*) from stories where deleted_at is not null") == 0)
        {
            await Task.Delay(10);
        }
    }

    private async Task WaitUntilSessionsEndAsync(string applicationName)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await factory.ScalarAsync<long>(
            "select count(*) from pg_stat_activity where application_name = @name", ("name", applicationName)) > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"The killed worker's database session ({applicationName}) did not end within 30 s.");
            await Task.Delay(50);
        }
    }
}
