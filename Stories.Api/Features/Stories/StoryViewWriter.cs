using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Stories.Api.Infrastructure.Metrics;
using Stories.Data;

namespace Stories.Api.Features.Stories;

/// <summary>What became of one view's row.</summary>
public enum ViewWrite
{
    /// <summary>This view inserted the row: the first time this viewer saw this story.</summary>
    Inserted,

    /// <summary>The row was there already (an earlier view, or an earlier one in the same batch).</summary>
    AlreadyViewed,

    /// <summary>The story was deleted after its visibility check and before the insert.</summary>
    StoryGone,
}

/// <summary>
/// Group commit for views (docs/decisions/0019-coalesced-view-commits.md): the views that queue while
/// one batch is being written go in together as the next batch — one prepared statement, one commit —
/// so PostgreSQL parses, plans, flushes its WAL and answers once for many views. Each caller is answered
/// after its batch committed. The loop owns one connection at a time from the API's own pool.
/// </summary>
public sealed partial class StoryViewWriter(
    IServiceScopeFactory scopes, IOptions<ViewOptions> options, ApiMetrics metrics, ILogger<StoryViewWriter> logger) : BackgroundService
{
    // Views beyond this many wait in their requests for room rather than queue without bound.
    private const int Capacity = 4096;

    private readonly Channel<PendingView> _pending = Channel.CreateBounded<PendingView>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    /// <summary>
    /// Queues the view and waits until its batch committed. A caller that stops waiting leaves its row
    /// queued: it is written anyway, and writing a view twice is harmless.
    /// </summary>
    public async Task<ViewWrite> WriteAsync(Guid storyId, Guid viewerId, DateTimeOffset viewedAt, CancellationToken cancellationToken)
    {
        var view = new PendingView(storyId, viewerId, viewedAt);
        await _pending.Writer.WriteAsync(view, cancellationToken);
        return await view.Written.Task.WaitAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<PendingView>(options.Value.MaxBatch);
        try
        {
            while (await _pending.Reader.WaitToReadAsync(stoppingToken))
            {
                await FillAsync(batch, stoppingToken);
                // Not cancelled by shutdown: the rows may already be committed, and their callers are owed the truth.
                await WriteBatchAsync(batch);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping; the views not written yet fail below.
        }
        finally
        {
            foreach (var view in batch)
            {
                view.Written.TrySetException(Stopped());
            }

            RefuseFromNowOn();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // Again here: a host that stops at once may cancel the loop before it ever ran.
        RefuseFromNowOn();
    }

    /// <summary>
    /// Fails the views still queued and refuses new ones. The server has stopped taking requests by now
    /// (it stops before the services registered ahead of it), so whoever still waits left already.
    /// </summary>
    private void RefuseFromNowOn()
    {
        _pending.Writer.TryComplete(Stopped());
        while (_pending.Reader.TryRead(out var view))
        {
            view.Written.TrySetException(Stopped());
        }
    }

    // One exception per caller: an exception object rethrown on several threads at once mixes their stack traces.
    private static OperationCanceledException Stopped() => new("The API is stopping; the view was not recorded.");

    /// <summary>
    /// Takes what is queued, up to <see cref="ViewOptions.MaxBatch"/>; with a <see cref="ViewOptions.Window"/>,
    /// waits that long after the first view for more.
    /// </summary>
    private async Task FillAsync(List<PendingView> batch, CancellationToken stoppingToken)
    {
        var (maxBatch, window) = (options.Value.MaxBatch, options.Value.Window);
        TakeQueued(batch, maxBatch);
        if (window <= TimeSpan.Zero || batch.Count >= maxBatch)
        {
            return;
        }

        // Real time, not the injected TimeProvider: the window is latency spent here, not a timestamp
        // (and the tests' clock only moves when told to).
        using var windowOver = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        windowOver.CancelAfter(window);
        try
        {
            while (batch.Count < maxBatch && await _pending.Reader.WaitToReadAsync(windowOver.Token))
            {
                TakeQueued(batch, maxBatch);
            }
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            // The window is over.
        }
    }

    private void TakeQueued(List<PendingView> batch, int maxBatch)
    {
        while (batch.Count < maxBatch && _pending.Reader.TryRead(out var view))
        {
            batch.Add(view);
        }
    }

    /// <summary>Writes a batch and answers every caller in it; never throws, so one failed batch never stops the loop.</summary>
    private async Task WriteBatchAsync(List<PendingView> batch)
    {
        // Of two views of one story by one viewer in a batch, the first may insert; the second hears
        // what the first did, after it.
        var firsts = new Dictionary<(Guid, Guid), PendingView>(batch.Count);
        var duplicates = new List<PendingView>();
        foreach (var view in batch)
        {
            if (!firsts.TryAdd(view.Key, view))
            {
                duplicates.Add(view);
            }
        }

        var distinct = firsts.Values.ToList();
        try
        {
            var inserted = await InsertAsync(distinct);
            foreach (var view in distinct)
            {
                view.Written.TrySetResult(inserted.Contains(view.Key) ? ViewWrite.Inserted : ViewWrite.AlreadyViewed);
            }
        }
        catch (Exception exception) when (StoryInteractions.IsStoryGone(exception))
        {
            // One deleted story fails the whole statement; written one by one, the other views still go in.
            LogBatchRetriedAlone(logger, distinct.Count);
            foreach (var view in distinct)
            {
                await WriteAloneAsync(view);
            }
        }
        catch (Exception exception)
        {
            // An outage: every caller gets the error and answers 503, as an uncoalesced view would.
            foreach (var view in distinct)
            {
                view.Written.TrySetException(exception);
            }
        }

        foreach (var duplicate in duplicates)
        {
            var first = firsts[duplicate.Key].Written.Task;
            if (first.IsFaulted)
            {
                duplicate.Written.TrySetException(first.Exception.InnerExceptions);
            }
            else
            {
                duplicate.Written.TrySetResult(first.Result == ViewWrite.StoryGone ? ViewWrite.StoryGone : ViewWrite.AlreadyViewed);
            }
        }
    }

    private async Task WriteAloneAsync(PendingView view)
    {
        try
        {
            var inserted = await InsertAsync([view]);
            view.Written.TrySetResult(inserted.Count == 1 ? ViewWrite.Inserted : ViewWrite.AlreadyViewed);
        }
        catch (Exception exception) when (StoryInteractions.IsStoryGone(exception))
        {
            view.Written.TrySetResult(ViewWrite.StoryGone);
        }
        catch (Exception exception)
        {
            view.Written.TrySetException(exception);
        }
    }

    /// <summary>
    /// One statement whose text is the same for any number of rows (they travel as arrays), so it is
    /// prepared once per connection; on its own it is one transaction. Returns the rows it inserted.
    /// </summary>
    private async Task<HashSet<(Guid, Guid)>> InsertAsync(IReadOnlyList<PendingView> views)
    {
        var stories = views.Select(view => view.StoryId).ToArray();
        var viewers = views.Select(view => view.ViewerId).ToArray();
        var times = views.Select(view => view.ViewedAt).ToArray();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoriesDbContext>();
        var inserted = await db.Database.SqlQuery<InsertedView>(
            $"""
            -- prepared
            insert into story_views (story_id, viewer_id, viewed_at)
            select * from unnest({stories}, {viewers}, {times})
            on conflict do nothing
            returning story_id as "StoryId", viewer_id as "ViewerId"
            """).ToListAsync(CancellationToken.None);
        metrics.ViewBatchWritten(views.Count);
        return [.. inserted.Select(row => (row.StoryId, row.ViewerId))];
    }

    private sealed record PendingView(Guid StoryId, Guid ViewerId, DateTimeOffset ViewedAt)
    {
        // Continuations run on the callers' side, not on the loop between two batches.
        public TaskCompletionSource<ViewWrite> Written { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public (Guid, Guid) Key => (StoryId, ViewerId);
    }

    private sealed record InsertedView(Guid StoryId, Guid ViewerId);

    [LoggerMessage(EventName = "view_batch_retried_alone", Level = LogLevel.Information, Message = "a story of the view batch was deleted; writing its views one by one")]
    private static partial void LogBatchRetriedAlone(ILogger logger, int views);
}
