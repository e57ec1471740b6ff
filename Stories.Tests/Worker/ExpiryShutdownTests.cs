using Npgsql;
using Stories.Tests.Infrastructure;
using Stories.Worker.Expiry;

namespace Stories.Tests.Worker;

/// <summary>Stopping the worker while a batch is written but not yet committed.</summary>
public sealed class ExpiryShutdownTests(ExpiryShutdownTests.SmallBatchWorkerFactory factory) : IClassFixture<ExpiryShutdownTests.SmallBatchWorkerFactory>, IAsyncLifetime
{
    private const int BatchSize = 100;
    private const long LockKey = 4242;

    public Task InitializeAsync() => factory.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task ShutdownDuringABatchRollsThatBatchBackAndKeepsTheBatchesBeforeIt()
    {
        var now = factory.FreezeClock();
        var author = await factory.SeedUserAsync();
        // 1000 due stories in expiry order; the sweep takes them 100 at a time, and the 250th, in
        // the third batch, is the marked one.
        await factory.ExecuteAsync(
            """
            insert into stories (id, author_id, text, visibility, created_at, expires_at)
            select gen_random_uuid(), @author, case when n = 250 then 'marked' else 'story' end, 'public',
                @now - interval '25 hours', @now - interval '1 hour' + n * interval '1 second'
            from generate_series(1, 1000) n
            """,
            ("author", author), ("now", now));
        // After the statement that expires the marked story has updated its whole batch — and before
        // it commits — it waits for a lock this test holds.
        await factory.ExecuteAsync(
            $"""
            create function hold_marked_batch() returns trigger language plpgsql as $$
            begin
                if exists (select 1 from updated where text = 'marked') then
                    perform pg_advisory_xact_lock({LockKey});
                end if;
                return null;
            end $$;
            create trigger hold_marked_batch after update on stories
                referencing new table as updated for each statement execute function hold_marked_batch();
            """);
        await using var lockHolder = new NpgsqlConnection(factory.DatabaseConnectionString);
        await lockHolder.OpenAsync();
        await using (var take = new NpgsqlCommand($"select pg_advisory_lock({LockKey})", lockHolder))
        {
            await take.ExecuteNonQueryAsync();
        }

        var loop = factory.CreateLoop<ExpiryService>();
        await loop.StartAsync(CancellationToken.None);
        await WaitUntilTheMarkedBatchWaitsAsync();

        await loop.StopAsync(CancellationToken.None);

        Assert.Equal(2L * BatchSize, await factory.ScalarAsync<long>("select count(*) from stories where deleted_at is not null"));
        Assert.Equal(2L * BatchSize, await factory.ScalarAsync<long>(
            "select count(*) from stories where deleted_at is not null and expires_at <= @lastOfSecondBatch",
            ("lastOfSecondBatch", now.AddHours(-1).AddSeconds(2 * BatchSize))));
        Assert.Null(await factory.ScalarAsync<DateTimeOffset?>("select deleted_at from stories where text = 'marked'"));
        Assert.Empty(factory.Logs.WithEvent("sweep_failed"));
        Assert.Empty(factory.Logs.WithEvent("story_expired"));
    }

    private async Task WaitUntilTheMarkedBatchWaitsAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await factory.ScalarAsync<long>(
            """
            select count(*) from pg_locks
            where locktype = 'advisory' and not granted
                and database = (select oid from pg_database where datname = current_database())
            """) == 0)
        {
            await Task.Delay(50, timeout.Token);
        }
    }

    public sealed class SmallBatchWorkerFactory : WorkerFactory
    {
        public SmallBatchWorkerFactory() => WithSetting("Expiry:BatchSize", BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
