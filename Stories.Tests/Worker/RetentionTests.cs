using System.Diagnostics.Metrics;
using Stories.Tests.Infrastructure;
using Stories.Worker.Retention;

namespace Stories.Tests.Worker;

/// <summary>Retention with the defaults (stories 30 days, idempotency keys 24 h) and small batches.</summary>
public sealed class RetentionTests(RetentionTests.SmallBatchWorkerFactory factory) : IClassFixture<RetentionTests.SmallBatchWorkerFactory>, IAsyncLifetime
{
    private const int BatchSize = 50;
    private static readonly TimeSpan s_storyRetention = TimeSpan.FromDays(30);

    public Task InitializeAsync() => factory.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task StoriesSoftDeletedLongerThanTheWindowArePurgedWithTheirViewsReactionsAndAudience()
    {
        var now = factory.FreezeClock();
        var author = await factory.SeedUserAsync();
        var viewer = await factory.SeedUserAsync();
        var pastWindow = await SeedStoryWithChildrenAsync(author, viewer, deletedAt: now - s_storyRetention - TimeSpan.FromSeconds(1));
        var withinWindow = await SeedStoryWithChildrenAsync(author, viewer, deletedAt: now - s_storyRetention + TimeSpan.FromSeconds(1));
        var active = await SeedStoryWithChildrenAsync(author, viewer, deletedAt: null);
        using var metrics = new MetricRecorder(factory.GetService<IMeterFactory>());

        var result = await factory.GetService<RetentionCleaner>().PurgeStoriesAsync(CancellationToken.None);

        Assert.Equal(new RetentionCleaner.StoriesPurged(Count: 1, MediaDeleted: 0, Batches: 1), result);
        Assert.Equal((0L, 0L, 0L, 0L), await RowsOfAsync(pastWindow));
        Assert.Equal((1L, 1L, 1L, 1L), await RowsOfAsync(withinWindow));
        Assert.Equal((1L, 1L, 1L, 1L), await RowsOfAsync(active));
        Assert.Equal(1, metrics.Sum("stories_purged"));
        var line = Assert.Single(factory.Logs.WithEvent("stories_purged"));
        Assert.Equal("info", line.GetProperty("level").GetString());
        Assert.Equal("stories purged", line.GetProperty("msg").GetString());
        Assert.Equal(1, line.GetProperty("count").GetInt32());
        Assert.Equal(0, line.GetProperty("media_deleted").GetInt32());
        Assert.True(line.TryGetProperty("duration_ms", out _));
    }

    [Fact]
    public async Task PurgedStoriesTakeTheirMediaButMediaAnotherStoryStillUsesStays()
    {
        var now = factory.FreezeClock();
        var author = await factory.SeedUserAsync();
        var prefix = $"uploads/{author}/{Guid.NewGuid():N}";
        var ownMedia = $"{prefix}/own.jpg";
        var sharedMedia = $"{prefix}/shared.jpg";
        var recentMedia = $"{prefix}/recent.jpg";
        foreach (var key in new[] { ownMedia, sharedMedia, recentMedia })
        {
            await factory.PutObjectAsync(key);
        }

        var longGone = now - s_storyRetention - TimeSpan.FromDays(1);
        await factory.SeedStoryAsync(author, longGone, deletedAt: longGone, mediaKey: ownMedia);
        await factory.SeedStoryAsync(author, longGone, deletedAt: longGone, mediaKey: sharedMedia);
        await factory.SeedStoryAsync(author, now.AddHours(12), mediaKey: sharedMedia);
        await factory.SeedStoryAsync(author, now.AddDays(-1), deletedAt: now.AddDays(-1), mediaKey: recentMedia);

        var result = await factory.GetService<RetentionCleaner>().PurgeStoriesAsync(CancellationToken.None);

        Assert.Equal(2, result.Count);
        Assert.Equal(1, result.MediaDeleted);
        Assert.False(await factory.ObjectExistsAsync(ownMedia));
        Assert.True(await factory.ObjectExistsAsync(sharedMedia));
        Assert.True(await factory.ObjectExistsAsync(recentMedia));
    }

    [Fact]
    public async Task PurgeWorksThroughABacklogInBoundedBatches()
    {
        var now = factory.FreezeClock();
        var author = await factory.SeedUserAsync();
        await factory.ExecuteAsync(
            """
            insert into stories (id, author_id, text, visibility, created_at, expires_at, deleted_at)
            select gen_random_uuid(), @author, 'story', 'public', @expired - interval '24 hours', @expired, @expired
            from generate_series(1, 120) n
            """,
            ("author", author), ("expired", now - s_storyRetention - TimeSpan.FromDays(1)));

        var result = await factory.GetService<RetentionCleaner>().PurgeStoriesAsync(CancellationToken.None);

        // 50 + 50 + 20: the short batch says the backlog is done.
        Assert.Equal(new RetentionCleaner.StoriesPurged(Count: 120, MediaDeleted: 0, Batches: 3), result);
        Assert.Equal(0L, await factory.ScalarAsync<long>("select count(*) from stories"));
    }

    [Fact]
    public async Task IdempotencyKeysOlderThanTheWindowArePurgedAndYoungerOnesKept()
    {
        var now = factory.FreezeClock();
        var user = await factory.SeedUserAsync();
        await SeedIdempotencyKeyAsync(user, "past-window", now - TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1));
        await SeedIdempotencyKeyAsync(user, "within-window", now - TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1));
        using var metrics = new MetricRecorder(factory.GetService<IMeterFactory>());

        var purged = await factory.GetService<RetentionCleaner>().PurgeIdempotencyKeysAsync(CancellationToken.None);

        Assert.Equal(1, purged);
        Assert.Equal("within-window", await factory.ScalarAsync<string>("select string_agg(key, ',') from idempotency_keys"));
        Assert.Equal(1, metrics.Sum("idempotency_keys_purged"));
        var line = Assert.Single(factory.Logs.WithEvent("idempotency_keys_purged"));
        Assert.Equal("idempotency keys purged", line.GetProperty("msg").GetString());
        Assert.Equal(1, line.GetProperty("count").GetInt32());
    }

    private async Task<Guid> SeedStoryWithChildrenAsync(Guid author, Guid viewer, DateTimeOffset? deletedAt)
    {
        var expiresAt = deletedAt ?? factory.Clock.GetUtcNow().AddHours(12);
        var story = await factory.SeedStoryAsync(author, expiresAt, deletedAt);
        await factory.ExecuteAsync(
            """
            insert into story_views (story_id, viewer_id, viewed_at) values (@story, @viewer, @at);
            insert into reactions (id, story_id, user_id, emoji, created_at) values (gen_random_uuid(), @story, @viewer, '🔥', @at);
            insert into story_audience (story_id, user_id) values (@story, @viewer);
            """,
            ("story", story), ("viewer", viewer), ("at", expiresAt.AddHours(-1)));
        return story;
    }

    private async Task<(long Stories, long Views, long Reactions, long Audience)> RowsOfAsync(Guid story) => (
        await factory.ScalarAsync<long>("select count(*) from stories where id = @id", ("id", story)),
        await factory.ScalarAsync<long>("select count(*) from story_views where story_id = @id", ("id", story)),
        await factory.ScalarAsync<long>("select count(*) from reactions where story_id = @id", ("id", story)),
        await factory.ScalarAsync<long>("select count(*) from story_audience where story_id = @id", ("id", story)));

    private async Task SeedIdempotencyKeyAsync(Guid user, string key, DateTimeOffset createdAt) =>
        await factory.ExecuteAsync(
            """
            insert into idempotency_keys (user_id, key, request_hash, status_code, response_body, created_at)
            values (@user, @key, 'hash', 201, '{}', @at)
            """,
            ("user", user), ("key", key), ("at", createdAt));

    public sealed class SmallBatchWorkerFactory : WorkerFactory
    {
        public SmallBatchWorkerFactory() => WithSetting("Retention:BatchSize", BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
