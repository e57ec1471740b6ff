using System.Net;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Uploads;

/// <summary>
/// The API reaches storage through a proxy that each test stops and starts again: uploads and new
/// media stories answer 503 while storage is away, everything else keeps working, and uploads work
/// again once it is back. The shared S3 server itself stays up for every other class.
/// </summary>
public sealed class StorageOutageTests(StorageOutageTests.ProxiedStorageFactory factory)
    : IClassFixture<StorageOutageTests.ProxiedStorageFactory>
{
    [Fact]
    public async Task PresignAnswers503WhileStorageIsDownAndWorksOnceItIsBack()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        var request = new { content_type = "image/png", file_name = "x.png", content_length = 100 };

        HttpResponseMessage whileDown;
        using (factory.StorageDown())
        {
            whileDown = await client.PostJsonAsync("/upload/presigned", request);
        }

        var afterwards = await client.PostJsonAsync("/upload/presigned", request);

        var problem = await whileDown.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("Media storage is unavailable.", problem.GetProperty("title").GetString());
        Assert.NotNull(whileDown.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, afterwards.StatusCode);
        var bytes = MediaApiExtensions.RandomBytes(100);
        var upload = await MediaApiExtensions.UploadBytesAsync(await afterwards.ReadJsonAsync(), bytes);
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
    }

    [Fact]
    public async Task MediaStoryAnswers503WhileStorageIsDownAndIsCreatedOnceItIsBack()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        var mediaKey = await client.UploadAsync(MediaApiExtensions.RandomBytes());

        HttpResponseMessage whileDown;
        using (factory.StorageDown())
        {
            whileDown = await client.PostJsonAsync("/stories", new { media_key = mediaKey, visibility = "public" });
        }

        var storedWhileDown = await factory.ScalarAsync<long>("select count(*) from stories where media_key = @key", ("key", mediaKey));
        var afterwards = await client.PostJsonAsync("/stories", new { media_key = mediaKey, visibility = "public" });

        var problem = await whileDown.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("Media storage is unavailable.", problem.GetProperty("title").GetString());
        Assert.Equal(0L, storedWhileDown);
        Assert.Equal(HttpStatusCode.Created, afterwards.StatusCode);
    }

    [Fact]
    public async Task TextStoriesAndFeedsWithMediaUrlsKeepWorkingWhileStorageIsDown()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        var mediaKey = await client.UploadAsync(MediaApiExtensions.RandomBytes());
        var mediaStoryId = (await client.CreateStoryAsync(new { media_key = mediaKey, visibility = "public" })).GetProperty("id").GetGuid();

        HttpResponseMessage textStory, feed, story;
        using (factory.StorageDown())
        {
            textStory = await client.PostJsonAsync("/stories", new { text = "storage is down, words still work", visibility = "public" });
            feed = await client.GetAsync("/feed");
            story = await client.GetAsync($"/stories/{mediaStoryId}");
        }

        Assert.Equal(HttpStatusCode.Created, textStory.StatusCode);
        Assert.Equal(HttpStatusCode.OK, feed.StatusCode);
        var fromFeed = (await feed.ReadJsonAsync()).ItemWithId(mediaStoryId);
        Assert.StartsWith(factory.PublicEndpoint, fromFeed.GetProperty("media_url").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, story.StatusCode);
        Assert.StartsWith(factory.PublicEndpoint, (await story.ReadJsonAsync()).GetProperty("media_url").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HealthzReportsStorageDegradedWhileItIsDownAndHealthyOnceItIsBack()
    {
        using var client = factory.CreateClient();

        HttpResponseMessage whileDown;
        using (factory.StorageDown())
        {
            whileDown = await client.GetAsync("/healthz");
        }

        var afterwards = await client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, whileDown.StatusCode);
        var down = await whileDown.ReadJsonAsync();
        Assert.Equal("degraded", down.GetProperty("status").GetString());
        Assert.Equal("degraded", down.GetProperty("checks").GetProperty("storage").GetProperty("status").GetString());
        Assert.Equal("healthy", down.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
        var up = await afterwards.ReadJsonAsync();
        Assert.Equal("healthy", up.GetProperty("checks").GetProperty("storage").GetProperty("status").GetString());
    }

    [Fact]
    public async Task ARetriedMediaStoryIsReplayedWhileStorageIsDown()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        var mediaKey = await client.UploadAsync(MediaApiExtensions.RandomBytes());
        var body = new { text = "harbour", media_key = mediaKey, visibility = "public" };
        var key = Guid.NewGuid().ToString();
        using var first = await client.PostStoryWithKeyAsync(key, body);
        var created = await first.ReadJsonAsync();

        HttpResponseMessage retried;
        using (factory.StorageDown())
        {
            retried = await client.PostStoryWithKeyAsync(key, body);
        }

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        Assert.Equal("true", Assert.Single(retried.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal(first.Headers.Location, retried.Headers.Location);
        Assert.Equal(created.GetProperty("id").GetGuid(), (await retried.ReadJsonAsync()).GetProperty("id").GetGuid());
    }

    /// <summary>The API with its storage behind a <see cref="TcpProxy"/> that tests stop and start.</summary>
    public sealed class ProxiedStorageFactory() : ProxiedStorageApiFactory(startWithStorageDown: false);
}
