using Stories.Tests.Infrastructure;
using Stories.Worker.Retention;

namespace Stories.Tests.Worker;

/// <summary>A retention pass whose storage is unusable: the database clean-ups still run.</summary>
public sealed class RetentionFailureTests(RetentionFailureTests.MissingBucketWorkerFactory factory)
    : IClassFixture<RetentionFailureTests.MissingBucketWorkerFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task CleanUpThatFailsIsLoggedAsWarningAndTheOthersStillRun()
    {
        var now = factory.FreezeClock();
        var user = await factory.SeedUserAsync();
        await factory.ExecuteAsync(
            "insert into idempotency_keys (user_id, key, request_hash, status_code, response_body, created_at) values (@user, 'old', 'hash', 201, '{}', @at)",
            ("user", user), ("at", now.AddDays(-2)));

        await factory.GetService<RetentionCleaner>().CleanAsync(CancellationToken.None);

        var failure = Assert.Single(factory.Logs.WithEvent("retention_failed"));
        Assert.Equal("warning", failure.GetProperty("level").GetString());
        Assert.Equal("retention clean-up failed", failure.GetProperty("msg").GetString());
        Assert.Equal("orphan_uploads", failure.GetProperty("cleanup").GetString());
        Assert.Contains("NoSuchBucket", failure.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, Assert.Single(factory.Logs.WithEvent("idempotency_keys_purged")).GetProperty("count").GetInt32());
        Assert.Single(factory.Logs.WithEvent("stories_purged"));
        Assert.Equal(0L, await factory.ScalarAsync<long>("select count(*) from idempotency_keys"));
    }

    public sealed class MissingBucketWorkerFactory : WorkerFactory
    {
        public MissingBucketWorkerFactory() => WithSetting("Storage:Bucket", $"missing-{Guid.NewGuid():N}");
    }
}
