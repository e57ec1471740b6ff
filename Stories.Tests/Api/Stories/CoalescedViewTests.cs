using System.Net;
using Microsoft.Extensions.Options;
using Npgsql;
using Stories.Tests.Api.Events;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Stories;

/// <summary>
/// Views queued together are written together (docs/decisions/0019-coalesced-view-commits.md). The API
/// here waits 500 ms after a batch's first view, so views sent at once share a statement.
/// </summary>
public sealed class CoalescedViewTests(CoalescedViewTests.WindowFactory factory) : IClassFixture<CoalescedViewTests.WindowFactory>
{
    [Fact]
    public async Task ConcurrentViewsByDifferentViewersAreAllRecordedByFewerStatementsEachRaisingStoryViewedOnce()
    {
        const int Viewers = 8;
        var author = await factory.SignUpAsync();
        var viewers = await Task.WhenAll(Enumerable.Range(0, Viewers).Select(_ => factory.SignUpAsync()));
        using var authorClient = factory.CreateClientFor(author);
        var clients = viewers.Select(factory.CreateClientFor).ToArray();
        var storyId = await authorClient.CreateStoryIdAsync("seen by a crowd");
        await using var stream = await SseClient.OpenAsync(authorClient);
        using var batchStatements = new NpgsqlCommandCounter(factory.DatabaseName, IsBatchInsert);
        var before = await factory.ScrapeAsync();

        var responses = await Task.WhenAll(clients.Select(client => client.PostAsync($"/stories/{storyId}/view", null)));

        Assert.All(responses, response => Assert.Equal(HttpStatusCode.NoContent, response.StatusCode));
        Assert.Equal(Viewers, await factory.ScalarAsync<long>("select count(*) from story_views where story_id = @id", ("id", storyId)));
        Assert.InRange(batchStatements.Count, 1, Viewers - 1);
        var after = await factory.ScrapeAsync();
        Assert.Equal(batchStatements.Count, after.Value("story_view_batches_total") - before.Value("story_view_batches_total"));
        Assert.Equal(Viewers, after.Value("story_view_batch_rows_total") - before.Value("story_view_batch_rows_total"));
        Assert.Equal(viewers.Select(viewer => viewer.Id).Order(), (await NextViewersAsync(stream, Viewers)).Order());
        await AssertNothingElseWasRaisedAsync(clients[0], storyId, stream);
    }

    [Fact]
    public async Task DuplicateViewsInOneBatchRecordOneRowAndRaiseStoryViewedOnce()
    {
        var author = await factory.SignUpAsync();
        var viewer = await factory.SignUpAsync();
        using var authorClient = factory.CreateClientFor(author);
        using var viewerClient = factory.CreateClientFor(viewer);
        var storyId = await authorClient.CreateStoryIdAsync("seen twice at once");
        await using var stream = await SseClient.OpenAsync(authorClient);

        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => viewerClient.PostAsync($"/stories/{storyId}/view", null)));

        Assert.All(responses, response => Assert.Equal(HttpStatusCode.NoContent, response.StatusCode));
        Assert.Equal(1, await factory.ScalarAsync<long>("select count(*) from story_views where story_id = @id", ("id", storyId)));
        Assert.Equal([viewer.Id], await NextViewersAsync(stream, 1));
        await AssertNothingElseWasRaisedAsync(viewerClient, storyId, stream);
    }

    [Fact]
    public async Task AnOutOfRangeBatchSizeStopsStartupNamingTheSetting()
    {
        var broken = new StoriesApiFactory().WithSetting("Views:MaxBatch", "0");

        var error = await Record.ExceptionAsync(broken.InitializeAsync);

        var validation = Assert.IsType<OptionsValidationException>(error);
        Assert.Contains("Views:MaxBatch", validation.Message, StringComparison.Ordinal);
        await broken.DisposeAfterFailedStartupAsync();
    }

    private static bool IsBatchInsert(string sql) =>
        sql.Contains("insert into story_views", StringComparison.Ordinal) && sql.Contains("unnest(", StringComparison.Ordinal);

    private static async Task<List<Guid>> NextViewersAsync(SseClient stream, int count)
    {
        var viewers = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            var received = await stream.NextEventAsync();
            Assert.Equal("story.viewed", received.Type);
            viewers.Add(received.Payload.GetProperty("viewer_id").GetGuid());
        }

        return viewers;
    }

    /// <summary>A reaction raised now must be the next event: no second <c>story.viewed</c> came before it.</summary>
    private static async Task AssertNothingElseWasRaisedAsync(HttpClient reactor, Guid storyId, SseClient stream)
    {
        await reactor.ReactAsync(storyId, "🔥");
        Assert.Equal("story.reacted", (await stream.NextEventAsync()).Type);
    }

    public sealed class WindowFactory : StoriesApiFactory
    {
        public WindowFactory() => WithSetting("Views:Window", "00:00:00.500");
    }
}

/// <summary>
/// A story deleted between a view's visibility check and its insert: the insert's foreign-key check
/// waits for the deleting transaction and then fails. The test holds the deletion open until the API's
/// insert is seen waiting on its lock, so the race happens every time.
/// </summary>
public sealed class DeletedStoryViewTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ViewOfAStoryDeletedAfterItsVisibilityCheckAnswers404WhileAViewOfAnotherStoryIsRecorded(bool coalesce)
    {
        var factory = new StoriesApiFactory()
            .WithSetting("Views:Coalesce", coalesce ? "true" : "false")
            .WithSetting("Views:Window", "00:00:01");
        await factory.InitializeAsync();
        try
        {
            var author = await factory.SignUpAsync();
            var viewer = await factory.SignUpAsync();
            using var authorClient = factory.CreateClientFor(author);
            using var viewerClient = factory.CreateClientFor(viewer);
            var doomed = await authorClient.CreateStoryIdAsync("about to go");
            var kept = await authorClient.CreateStoryIdAsync("staying");
            await using var deletion = await UncommittedDelete.StoryAsync(factory, doomed);

            // Coalesced, the two views share a batch (sent within its window), which the deletion fails as a whole.
            var doomedView = viewerClient.PostAsync($"/stories/{doomed}/view", null);
            var keptView = viewerClient.PostAsync($"/stories/{kept}/view", null);
            await deletion.WaitForAWriterAsync();
            await deletion.CommitAsync();

            await (await doomedView).AssertProblemAsync(HttpStatusCode.NotFound);
            Assert.Equal(HttpStatusCode.NoContent, (await keptView).StatusCode);
            Assert.Equal(0, await factory.ScalarAsync<long>("select count(*) from story_views where story_id = @id", ("id", doomed)));
            Assert.Equal(1, await factory.ScalarAsync<long>("select count(*) from story_views where story_id = @id and viewer_id = @viewer", ("id", kept), ("viewer", viewer.Id)));
            var retried = factory.Logs.Events("view_batch_retried_alone");
            if (coalesce)
            {
                Assert.Equal(2, Assert.Single(retried).GetProperty("views").GetInt32());
            }
            else
            {
                Assert.Empty(retried);
            }
        }
        finally
        {
            await factory.DisposeAsync();
        }
    }
}

/// <summary>
/// A batch whose connection is lost mid-statement: the outage reaches every view in it. The test holds
/// a lock on one story so the batch waits where the test can find its backend, then terminates it.
/// </summary>
public sealed class LostViewBatchTests(LostViewBatchTests.WindowFactory factory) : IClassFixture<LostViewBatchTests.WindowFactory>
{
    [Fact]
    public async Task EveryViewOfABatchWhoseConnectionIsLostAnswers503()
    {
        var author = await factory.SignUpAsync();
        var viewer = await factory.SignUpAsync();
        using var authorClient = factory.CreateClientFor(author);
        using var viewerClient = factory.CreateClientFor(viewer);
        var locked = await authorClient.CreateStoryIdAsync("locked");
        var other = await authorClient.CreateStoryIdAsync("innocent");
        await using var locker = new NpgsqlConnection(factory.DatabaseConnectionString);
        await locker.OpenAsync();
        await using var lockHeld = await locker.BeginTransactionAsync();
        await using (var lockStory = new NpgsqlCommand("select 1 from stories where id = @id for update", locker, lockHeld))
        {
            lockStory.Parameters.AddWithValue("id", locked);
            await lockStory.ExecuteScalarAsync();
        }

        var views = new[] { locked, other }.Select(story => viewerClient.PostAsync($"/stories/{story}/view", null)).ToArray();
        await LockWaits.UntilASessionWaitsForALockAsync(factory);
        await factory.ScalarAsync<bool>(
            "select bool_and(pg_terminate_backend(pid)) from pg_stat_activity where datname = @database and wait_event_type = 'Lock'",
            ("database", factory.DatabaseName));
        var responses = await Task.WhenAll(views);
        await lockHeld.RollbackAsync();

        foreach (var response in responses)
        {
            var problem = await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
            Assert.Equal("The database is unavailable.", problem.GetProperty("title").GetString());
        }

        Assert.Equal(0, await factory.ScalarAsync<long>("select count(*) from story_views where viewer_id = @viewer", ("viewer", viewer.Id)));
    }

    public sealed class WindowFactory : StoriesApiFactory
    {
        // Long enough that both views of the test join one batch.
        public WindowFactory() => WithSetting("Views:Window", "00:00:01");
    }
}
