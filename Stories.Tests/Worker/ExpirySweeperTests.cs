using System.Diagnostics.Metrics;
using Stories.Tests.Infrastructure;
using Stories.Worker.Expiry;

namespace Stories.Tests.Worker;

/// <summary>One expiry sweep against real PostgreSQL, with the clock frozen where each test puts it.</summary>
public sealed class ExpirySweeperTests(WorkerFactory factory) : IClassFixture<WorkerFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task SweepExpiresExactlyTheStoriesWhoseExpiryHasPassed()
    {
        var now = factory.FreezeClock();
        var author = await factory.SeedUserAsync();
        var dueOneSecondAgo = await factory.SeedStoryAsync(author, now.AddSeconds(-1));
        var dueAtThisInstant = await factory.SeedStoryAsync(author, now);
        var dueInOneSecond = await factory.SeedStoryAsync(author, now.AddSeconds(1));
        var deletedEarlier = await factory.SeedStoryAsync(author, now.AddHours(-2), deletedAt: now.AddHours(-3));

        var result = await factory.GetService<ExpirySweeper>().SweepAsync(CancellationToken.None);

        Assert.Equal(1, result.Count);
        Assert.Equal(now, await DeletedAtAsync(dueOneSecondAgo));
        Assert.Null(await DeletedAtAsync(dueAtThisInstant));
        Assert.Null(await DeletedAtAsync(dueInOneSecond));
        Assert.Equal(now.AddHours(-3), await DeletedAtAsync(deletedEarlier));
    }

    [Fact]
    public async Task SecondSweepExpiresNothingAndKeepsTheFirstDeletionTime()
    {
        var now = factory.FreezeClock();
        var author = await factory.SeedUserAsync();
        var story = await factory.SeedStoryAsync(author, now.AddMinutes(-5));
        var sweeper = factory.GetService<ExpirySweeper>();
        var first = await sweeper.SweepAsync(CancellationToken.None);
        factory.Clock.Advance(TimeSpan.FromMinutes(1));

        var second = await sweeper.SweepAsync(CancellationToken.None);

        Assert.Equal(1, first.Count);
        Assert.Equal(0, second.Count);
        Assert.Equal(now, await DeletedAtAsync(story));
    }

    [Fact]
    public async Task TwoSweepersRacingOverTenThousandDueStoriesExpireEachExactlyOnce()
    {
        var now = factory.FreezeClock();
        var author = await factory.SeedUserAsync();
        await factory.ExecuteAsync(
            """
            insert into stories (id, author_id, text, visibility, created_at, expires_at)
            select gen_random_uuid(), @author, 'story ' || n, 'public', @now - interval '25 hours', @now - n * interval '1 millisecond'
            from generate_series(1, 10000) n
            """,
            ("author", author), ("now", now));
        var one = CreateSweeper();
        var two = CreateSweeper();

        var results = await Task.WhenAll(
            Task.Run(() => one.SweepAsync(CancellationToken.None)),
            Task.Run(() => two.SweepAsync(CancellationToken.None)));

        Assert.Equal(10_000, results[0].Count + results[1].Count);
        Assert.Equal(10_000L, await factory.ScalarAsync<long>("select count(*) from stories where deleted_at = @now", ("now", now)));
        Assert.Equal(0L, await factory.ScalarAsync<long>("select count(*) from stories where deleted_at is null"));
    }

    [Fact]
    public async Task SweepLogsOneJsonLineWithCountBatchesAndDuration()
    {
        var now = factory.FreezeClock();
        var author = await factory.SeedUserAsync();
        for (var i = 0; i < 3; i++)
        {
            await factory.SeedStoryAsync(author, now.AddMinutes(-i - 1));
        }

        await factory.GetService<ExpirySweeper>().SweepAsync(CancellationToken.None);

        var line = Assert.Single(factory.Logs.WithEvent("story_expired"));
        Assert.Equal("info", line.GetProperty("level").GetString());
        Assert.Equal("stories expired", line.GetProperty("msg").GetString());
        Assert.Equal(3, line.GetProperty("count").GetInt32());
        Assert.Equal(1, line.GetProperty("batches").GetInt32());
        Assert.True(line.GetProperty("duration_ms").GetDouble() >= 0);
        Assert.Matches("^[0-9a-f]{32}$", line.GetProperty("trace_id").GetString());
        Assert.False(string.IsNullOrEmpty(line.GetProperty("timestamp").GetString()));
    }

    [Fact]
    public async Task SweepCountsExpiredStoriesRecordsItsLatencyAndPublishesTheLastSuccessTime()
    {
        var now = factory.FreezeClock();
        var author = await factory.SeedUserAsync();
        await factory.SeedStoryAsync(author, now.AddMinutes(-1));
        await factory.SeedStoryAsync(author, now.AddMinutes(-2));
        using var metrics = new MetricRecorder(factory.GetService<IMeterFactory>());

        await factory.GetService<ExpirySweeper>().SweepAsync(CancellationToken.None);
        metrics.Observe();

        Assert.Equal(2, metrics.Sum("stories_expired"));
        Assert.IsType<Counter<long>>(metrics.Instrument("stories_expired"));
        var latency = Assert.Single(metrics.Values("worker_latency_seconds"));
        Assert.True(latency >= 0);
        Assert.IsType<Histogram<double>>(metrics.Instrument("worker_latency_seconds"));
        Assert.Equal("s", metrics.Instrument("worker_latency_seconds").Unit);
        Assert.Equal(now.ToUnixTimeSeconds(), Assert.Single(metrics.Values("worker_last_success_timestamp_seconds")));
    }

    [Fact]
    public async Task LargeBacklogIsExpiredInBatchesOfTheConfiguredSize()
    {
        var now = factory.FreezeClock();
        var author = await factory.SeedUserAsync();
        await factory.ExecuteAsync(
            """
            insert into stories (id, author_id, text, visibility, created_at, expires_at)
            select gen_random_uuid(), @author, 'story', 'public', @now - interval '25 hours', @now - n * interval '1 second'
            from generate_series(1, 12000) n
            """,
            ("author", author), ("now", now));

        var result = await factory.GetService<ExpirySweeper>().SweepAsync(CancellationToken.None);

        // The default batch is 5000: two full batches, then one that finds the last 2000 and stops.
        Assert.Equal(12_000, result.Count);
        Assert.Equal(3, result.Batches);
    }

    private ExpirySweeper CreateSweeper() => Microsoft.Extensions.DependencyInjection.ActivatorUtilities.CreateInstance<ExpirySweeper>(factory.Services);

    private Task<DateTimeOffset?> DeletedAtAsync(Guid story) =>
        factory.ScalarAsync<DateTimeOffset?>("select deleted_at from stories where id = @id", ("id", story));
}
