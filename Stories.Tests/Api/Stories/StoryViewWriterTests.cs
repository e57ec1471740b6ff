using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Stories.Api.Features.Stories;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Stories;

/// <summary>
/// The view writer's loop on its own, started and stopped by the test, over the API's services and
/// database (the API's own writer runs beside it, untouched).
/// </summary>
public sealed class StoryViewWriterTests(StoriesApiFactory factory) : IClassFixture<StoriesApiFactory>
{
    [Fact]
    public async Task ViewsStillQueuedWhenTheWriterStopsFailAndLaterOnesAreRefused()
    {
        // A window no batch outlasts here: the view is still waiting for company when the writer stops.
        using var writer = CreateWriter(new ViewOptions { Window = TimeSpan.FromMinutes(1) });
        await writer.StartAsync(CancellationToken.None);
        var viewerId = Guid.NewGuid();
        var queued = writer.WriteAsync(Guid.NewGuid(), viewerId, DateTimeOffset.UtcNow, CancellationToken.None);

        await writer.StopAsync(CancellationToken.None);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        await Assert.ThrowsAnyAsync<Exception>(() => writer.WriteAsync(Guid.NewGuid(), viewerId, DateTimeOffset.UtcNow, CancellationToken.None));
        Assert.Equal(0, await factory.ScalarAsync<long>("select count(*) from story_views where viewer_id = @viewer", ("viewer", viewerId)));
    }

    [Fact]
    public async Task AViewWhoseCallerStopsWaitingIsRecordedAnyway()
    {
        var author = await factory.SignUpAsync();
        var viewer = await factory.SignUpAsync();
        using var authorClient = factory.CreateClientFor(author);
        var storyId = await authorClient.CreateStoryIdAsync("left before the commit");
        using var writer = CreateWriter(new ViewOptions { Window = TimeSpan.FromMilliseconds(300) });
        await writer.StartAsync(CancellationToken.None);
        using var leaving = new CancellationTokenSource();

        var view = writer.WriteAsync(storyId, viewer.Id, DateTimeOffset.UtcNow, leaving.Token);
        await leaving.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => view);
        await WaitForAsync(async () => await factory.ScalarAsync<long>(
            "select count(*) from story_views where story_id = @story and viewer_id = @viewer", ("story", storyId), ("viewer", viewer.Id)) == 1);
        await writer.StopAsync(CancellationToken.None);
    }

    private StoryViewWriter CreateWriter(ViewOptions options) =>
        ActivatorUtilities.CreateInstance<StoryViewWriter>(factory.Services, Options.Create(options));

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not hold within 10 s.");
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }
}
