using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Stories.Data;
using Stories.ServiceDefaults;

namespace Stories.Worker.Retention;

/// <summary>
/// One retention pass: purges soft-deleted stories past <see cref="RetentionOptions.Stories"/> (their
/// views, reactions and audience go with them by <c>on delete cascade</c>, their media from storage),
/// idempotency keys past <see cref="RetentionOptions.IdempotencyKeys"/>, and uploads no story references
/// past <see cref="RetentionOptions.OrphanUploads"/>. Every delete is a bounded batch claimed with
/// <c>FOR UPDATE SKIP LOCKED</c>, so a large backlog never holds long locks and replicas share the work.
/// </summary>
public sealed partial class RetentionCleaner(
    IDbContextFactory<StoriesDbContext> contexts,
    IMediaStore media,
    IOptions<RetentionOptions> options,
    TimeProvider time,
    WorkerMetrics metrics,
    ILogger<RetentionCleaner> logger)
{
    /// <summary>Where clients upload media (the API hands out <c>uploads/{user_id}/…</c> keys); nothing outside it is ever deleted.</summary>
    public const string UploadsPrefix = "uploads/";

    // One storage listing page and one multi-object delete hold at most 1000 keys.
    private const int StoragePageSize = 1000;

    public sealed record StoriesPurged(int Count, int MediaDeleted, int Batches);

    public sealed record OrphansDeleted(int Count, int Listed);

    /// <summary>Runs every clean-up; one that fails is logged and does not stop the others.</summary>
    public async Task CleanAsync(CancellationToken cancellationToken)
    {
        // Database-only work first: it does not depend on storage being up.
        await RunAsync("idempotency_keys", PurgeIdempotencyKeysAsync, cancellationToken);
        await RunAsync("stories", PurgeStoriesAsync, cancellationToken);
        await RunAsync("orphan_uploads", DeleteOrphanUploadsAsync, cancellationToken);
    }

    public async Task<StoriesPurged> PurgeStoriesAsync(CancellationToken cancellationToken)
    {
        using var activity = StoriesTelemetry.ActivitySource.StartActivity("retention stories");
        var started = time.GetTimestamp();
        var cutoff = time.GetUtcNow() - options.Value.Stories;
        var batchSize = options.Value.BatchSize;
        var total = 0;
        var mediaDeleted = 0;
        var batches = 0;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        while (true)
        {
            // The statement still sees the rows it deletes, so a media key counts as still in use only
            // when a story outside this batch holds it (a user may post one upload twice).
            var purged = await db.Database.SqlQuery<PurgedStory>(
                $"""
                with doomed as (
                    select id from stories
                    where deleted_at < {cutoff}
                    order by deleted_at
                    limit {batchSize}
                    for update skip locked),
                purged as (
                    delete from stories using doomed
                    where stories.id = doomed.id
                    returning stories.media_key)
                select purged.media_key as "MediaKey",
                    exists (
                        select 1 from stories other
                        where other.media_key = purged.media_key
                            and other.id not in (select id from doomed)) as "InUse"
                from purged
                """).ToListAsync(cancellationToken);
            total += purged.Count;
            batches++;
            metrics.StoriesPurged.Add(purged.Count);

            // The rows are gone first and their objects second: if storage fails now, the objects are
            // unreferenced uploads that the orphan clean-up deletes on a later pass.
            var unused = purged
                .Where(story => story.MediaKey is not null && !story.InUse && story.MediaKey.StartsWith(UploadsPrefix, StringComparison.Ordinal))
                .Select(story => story.MediaKey!)
                .Distinct(StringComparer.Ordinal)
                .ToList();
            if (unused.Count > 0)
            {
                mediaDeleted += await media.DeleteObjectsAsync(unused, cancellationToken);
            }

            if (purged.Count < batchSize)
            {
                break;
            }
        }

        var duration = time.GetElapsedTime(started);
        LogStoriesPurged(logger, total, mediaDeleted, batches, duration.TotalMilliseconds);
        return new StoriesPurged(total, mediaDeleted, batches);
    }

    public async Task<int> PurgeIdempotencyKeysAsync(CancellationToken cancellationToken)
    {
        using var activity = StoriesTelemetry.ActivitySource.StartActivity("retention idempotency keys");
        var started = time.GetTimestamp();
        var cutoff = time.GetUtcNow() - options.Value.IdempotencyKeys;
        var batchSize = options.Value.BatchSize;
        var total = 0;
        var batches = 0;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        while (true)
        {
            var purged = await db.Database.ExecuteSqlAsync(
                $"""
                with old as (
                    select user_id, key from idempotency_keys
                    where created_at < {cutoff}
                    limit {batchSize}
                    for update skip locked)
                delete from idempotency_keys using old
                where idempotency_keys.user_id = old.user_id and idempotency_keys.key = old.key
                """,
                cancellationToken);
            total += purged;
            batches++;
            metrics.IdempotencyKeysPurged.Add(purged);
            if (purged < batchSize)
            {
                break;
            }
        }

        var duration = time.GetElapsedTime(started);
        LogIdempotencyKeysPurged(logger, total, batches, duration.TotalMilliseconds);
        return total;
    }

    public async Task<OrphansDeleted> DeleteOrphanUploadsAsync(CancellationToken cancellationToken)
    {
        using var activity = StoriesTelemetry.ActivitySource.StartActivity("retention orphan uploads");
        var started = time.GetTimestamp();
        var cutoff = time.GetUtcNow() - options.Value.OrphanUploads;
        var deleted = 0;
        var listed = 0;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var page = new List<string>(StoragePageSize);
        await foreach (var key in media.ListObjectsAsync(UploadsPrefix, cutoff, cancellationToken))
        {
            page.Add(key);
            if (page.Count == StoragePageSize)
            {
                deleted += await DeleteUnreferencedAsync(db, page, cancellationToken);
                listed += page.Count;
                page.Clear();
            }
        }

        if (page.Count > 0)
        {
            deleted += await DeleteUnreferencedAsync(db, page, cancellationToken);
            listed += page.Count;
        }

        var duration = time.GetElapsedTime(started);
        LogOrphanUploadsDeleted(logger, deleted, listed, duration.TotalMilliseconds);
        return new OrphansDeleted(deleted, listed);
    }

    private async Task<int> DeleteUnreferencedAsync(StoriesDbContext db, List<string> keys, CancellationToken cancellationToken)
    {
        // Any story row holds its media, soft-deleted ones too: their media goes when they are purged.
        var keyArray = keys.ToArray();
        var referenced = await db.Database
            .SqlQuery<string>($"""select media_key as "Value" from stories where media_key = any({keyArray})""")
            .ToListAsync(cancellationToken);
        var orphans = keys.Except(referenced, StringComparer.Ordinal).ToList();
        if (orphans.Count == 0)
        {
            return 0;
        }

        var deleted = await media.DeleteObjectsAsync(orphans, cancellationToken);
        metrics.OrphanUploadsDeleted.Add(deleted);
        return deleted;
    }

    private async Task RunAsync<T>(string cleanup, Func<CancellationToken, Task<T>> step, CancellationToken cancellationToken)
    {
        try
        {
            await step(cancellationToken);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            LogCleanupFailed(logger, cleanup, exception);
        }
    }

    private sealed record PurgedStory(string? MediaKey, bool InUse);

    [LoggerMessage(EventName = "stories_purged", Level = LogLevel.Information, Message = "stories purged")]
    private static partial void LogStoriesPurged(ILogger logger, int count, int mediaDeleted, int batches, double durationMs);

    [LoggerMessage(EventName = "idempotency_keys_purged", Level = LogLevel.Information, Message = "idempotency keys purged")]
    private static partial void LogIdempotencyKeysPurged(ILogger logger, int count, int batches, double durationMs);

    [LoggerMessage(EventName = "orphan_uploads_deleted", Level = LogLevel.Information, Message = "orphan uploads deleted")]
    private static partial void LogOrphanUploadsDeleted(ILogger logger, int count, int listed, double durationMs);

    [LoggerMessage(EventName = "retention_failed", Level = LogLevel.Warning, Message = "retention clean-up failed")]
    private static partial void LogCleanupFailed(ILogger logger, string cleanup, Exception exception);
}
