using System.Diagnostics.Metrics;
using Stories.Tests.Infrastructure;
using Stories.Worker.Retention;

namespace Stories.Tests.Worker;

/// <summary>Uploads no story references are deleted once older than the window (24 h), against the real S3 server.</summary>
public sealed class OrphanUploadTests(WorkerFactory factory) : IClassFixture<WorkerFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task OrphanUploadsOlderThanTheWindowAreDeletedAndReferencedOnesKept()
    {
        var author = await factory.SeedUserAsync();
        var prefix = $"uploads/{author}/{Guid.NewGuid():N}";
        var orphan = $"{prefix}/orphan.jpg";
        var onActiveStory = $"{prefix}/active.jpg";
        var onDeletedStory = $"{prefix}/deleted.jpg";
        var outsideUploads = $"avatars/{Guid.NewGuid():N}.jpg";
        foreach (var key in new[] { orphan, onActiveStory, onDeletedStory, outsideUploads })
        {
            await factory.PutObjectAsync(key);
        }

        // A day and an hour later, every object is past the window; the stories are still there.
        factory.Clock.Advance(TimeSpan.FromHours(25));
        var now = factory.Clock.GetUtcNow();
        await factory.SeedStoryAsync(author, now.AddHours(1), mediaKey: onActiveStory);
        await factory.SeedStoryAsync(author, now.AddHours(-1), deletedAt: now.AddHours(-1), mediaKey: onDeletedStory);
        using var metrics = new MetricRecorder(factory.GetService<IMeterFactory>());

        var result = await factory.GetService<RetentionCleaner>().DeleteOrphanUploadsAsync(CancellationToken.None);

        Assert.Equal(new RetentionCleaner.OrphansDeleted(Count: 1, Listed: 3), result);
        Assert.False(await factory.ObjectExistsAsync(orphan));
        Assert.True(await factory.ObjectExistsAsync(onActiveStory));
        Assert.True(await factory.ObjectExistsAsync(onDeletedStory));
        Assert.True(await factory.ObjectExistsAsync(outsideUploads));
        Assert.Equal(1, metrics.Sum("orphan_uploads_deleted"));
        var line = Assert.Single(factory.Logs.WithEvent("orphan_uploads_deleted"));
        Assert.Equal("orphan uploads deleted", line.GetProperty("msg").GetString());
        Assert.Equal(1, line.GetProperty("count").GetInt32());
        Assert.Equal(3, line.GetProperty("listed").GetInt32());
    }

    [Fact]
    public async Task OrphanUploadsYoungerThanTheWindowAreKept()
    {
        var author = await factory.SeedUserAsync();
        var justUploaded = $"uploads/{author}/{Guid.NewGuid():N}/new.jpg";
        await factory.PutObjectAsync(justUploaded);
        factory.Clock.Advance(TimeSpan.FromHours(23));

        var result = await factory.GetService<RetentionCleaner>().DeleteOrphanUploadsAsync(CancellationToken.None);

        Assert.Equal(new RetentionCleaner.OrphansDeleted(Count: 0, Listed: 0), result);
        Assert.True(await factory.ObjectExistsAsync(justUploaded));
    }
}
