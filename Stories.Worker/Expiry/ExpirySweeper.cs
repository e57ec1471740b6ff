using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Stories.Data;
using Stories.ServiceDefaults;

namespace Stories.Worker.Expiry;

/// <summary>
/// One sweep: soft-deletes every story whose <c>expires_at</c> has passed, in batches claimed with
/// <c>FOR UPDATE SKIP LOCKED</c> so that several workers share the work without ever touching the
/// same row or waiting on each other.
/// </summary>
public sealed partial class ExpirySweeper(
    IDbContextFactory<StoriesDbContext> contexts,
    IOptions<ExpiryOptions> options,
    TimeProvider time,
    SweepStatus status,
    WorkerMetrics metrics,
    ILogger<ExpirySweeper> logger)
{
    public sealed record Result(int Count, int Batches, TimeSpan Duration);

    public async Task<Result> SweepAsync(CancellationToken cancellationToken)
    {
        using var activity = StoriesTelemetry.ActivitySource.StartActivity("expiry sweep");
        var started = time.GetTimestamp();
        var now = time.GetUtcNow();
        var batchSize = options.Value.BatchSize;
        var total = 0;
        var batches = 0;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        while (true)
        {
            // A batch is one statement and so one transaction: a cancelled or failed batch rolls back
            // whole, and the batches before it stay committed — there is never half a batch.
            var expired = await db.Database.ExecuteSqlAsync(
                $"""
                with due as (
                    select id from stories
                    where deleted_at is null and expires_at < {now}
                    order by expires_at
                    limit {batchSize}
                    for update skip locked)
                update stories set deleted_at = {now}
                from due where stories.id = due.id
                """,
                cancellationToken);
            total += expired;
            batches++;
            // Counted per committed batch, so a sweep that fails half-way still reports what it did.
            metrics.StoriesExpired.Add(expired);
            if (expired < batchSize)
            {
                break;
            }
        }

        var result = new Result(total, batches, time.GetElapsedTime(started));
        status.Succeeded(time.GetUtcNow());
        metrics.SweepLatency.Record(result.Duration.TotalSeconds);
        activity?.SetTag("stories.expired", total);
        LogSwept(logger, result.Count, result.Batches, result.Duration.TotalMilliseconds);
        return result;
    }

    [LoggerMessage(EventName = "story_expired", Level = LogLevel.Information, Message = "stories expired")]
    private static partial void LogSwept(ILogger logger, int count, int batches, double durationMs);
}
