using System.Net;
using System.Text.Json;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Uploads;

/// <summary>Stories with media, end to end against the real S3 server: upload, verify, and who gets a media URL.</summary>
public sealed class MediaStoryTests(StorageApiFactory factory) : IClassFixture<StorageApiFactory>
{
    [Fact]
    public async Task UploadedMediaReachesAnAllowedViewerByteForByte()
    {
        var author = await factory.SignUpAsync();
        var viewer = await factory.SignUpAsync();
        using var authorClient = factory.CreateClientFor(author);
        using var viewerClient = factory.CreateClientFor(viewer);
        var bytes = MediaApiExtensions.RandomBytes(4096);
        var presigned = await authorClient.PresignAsync("image/png", bytes.Length, "sunset.png");
        var mediaKey = presigned.GetProperty("media_key").GetString()!;

        var upload = await MediaApiExtensions.UploadBytesAsync(presigned, bytes);
        var created = await authorClient.CreateStoryAsync(new { text = "sunset", media_key = mediaKey, visibility = "public" });
        var fetched = await (await viewerClient.GetAsync($"/stories/{created.GetProperty("id").GetGuid()}")).ReadJsonAsync();
        var download = await MediaApiExtensions.GetAsync(fetched.GetProperty("media_url").GetString()!);

        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        Assert.Equal(mediaKey, created.GetProperty("media_key").GetString());
        Assert.Equal(mediaKey, fetched.GetProperty("media_key").GetString());
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("image/png", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal(bytes, await download.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task MediaUrlIsAFiveMinutePresignedGetOnThePublicEndpointInEveryStoryResponse()
    {
        var author = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(author);
        var mediaKey = await client.UploadAsync(MediaApiExtensions.RandomBytes(), "video/mp4");

        var created = await client.CreateStoryAsync(new { media_key = mediaKey, visibility = "public" });
        var feed = await (await client.GetAsync("/feed")).ReadJsonAsync();
        var fromFeed = feed.GetProperty("items").EnumerateArray().Single(item => item.GetProperty("media_key").GetString() == mediaKey);

        foreach (var story in new[] { created, fromFeed })
        {
            var url = story.GetProperty("media_url").GetString()!;
            Assert.StartsWith($"{factory.PublicEndpoint}/{factory.Bucket}/{mediaKey}?", url, StringComparison.Ordinal);
            var query = MediaApiExtensions.QueryOf(url);
            Assert.Equal("host", query["X-Amz-SignedHeaders"]);
            Assert.InRange(int.Parse(query["X-Amz-Expires"], System.Globalization.CultureInfo.InvariantCulture), 1, 300);
            Assert.Equal(HttpStatusCode.OK, (await MediaApiExtensions.GetAsync(url)).StatusCode);
        }
    }

    [Fact]
    public async Task StoryWithoutMediaHasNoMediaUrl()
    {
        var author = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(author);

        var created = await client.CreateStoryAsync(new { text = "just words", visibility = "public" });

        Assert.Equal(JsonValueKind.Null, created.GetProperty("media_key").ValueKind);
        Assert.Equal(JsonValueKind.Null, created.GetProperty("media_url").ValueKind);
    }

    [Fact]
    public async Task FriendsMediaStoryGivesAMediaUrlToFollowersAndNothingToOthers()
    {
        var author = await factory.SignUpAsync();
        var follower = await factory.SignUpAsync();
        var stranger = await factory.SignUpAsync();
        using var authorClient = factory.CreateClientFor(author);
        using var followerClient = factory.CreateClientFor(follower);
        using var strangerClient = factory.CreateClientFor(stranger);
        await followerClient.FollowAsync(author.Id);
        await authorClient.FollowAsync(follower.Id);
        var bytes = MediaApiExtensions.RandomBytes();
        var mediaKey = await authorClient.UploadAsync(bytes);
        var id = (await authorClient.CreateStoryAsync(new { media_key = mediaKey, visibility = "friends" })).GetProperty("id").GetGuid();

        var byStranger = await strangerClient.GetAsync($"/stories/{id}");
        var strangerFeed = await (await strangerClient.GetAsync("/feed")).Content.ReadAsStringAsync();
        var byFollower = await (await followerClient.GetAsync($"/stories/{id}")).ReadJsonAsync();

        var problem = await byStranger.AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.False(problem.TryGetProperty("media_url", out _));
        Assert.DoesNotContain(mediaKey, strangerFeed, StringComparison.Ordinal);
        var download = await MediaApiExtensions.GetAsync(byFollower.GetProperty("media_url").GetString()!);
        Assert.Equal(bytes, await download.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task PrivateMediaStoryGivesAMediaUrlToItsAuthorOnly()
    {
        var author = await factory.SignUpAsync();
        var follower = await factory.SignUpAsync();
        using var authorClient = factory.CreateClientFor(author);
        using var followerClient = factory.CreateClientFor(follower);
        await followerClient.FollowAsync(author.Id);
        var mediaKey = await authorClient.UploadAsync(MediaApiExtensions.RandomBytes());
        var id = (await authorClient.CreateStoryAsync(new { media_key = mediaKey, visibility = "private" })).GetProperty("id").GetGuid();

        var byFollower = await followerClient.GetAsync($"/stories/{id}");
        var followerFeed = await (await followerClient.GetAsync("/feed")).Content.ReadAsStringAsync();
        var byAuthor = await (await authorClient.GetAsync($"/stories/{id}")).ReadJsonAsync();

        await byFollower.AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.DoesNotContain(mediaKey, followerFeed, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(byAuthor.GetProperty("media_url").GetString()));
    }

    [Fact]
    public async Task MediaIsNotReadableWithoutAPresignedUrl()
    {
        var author = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(author);
        var mediaKey = await client.UploadAsync(MediaApiExtensions.RandomBytes());

        var anonymous = await MediaApiExtensions.GetAsync($"{factory.PublicEndpoint}/{factory.Bucket}/{mediaKey}");

        Assert.Equal(HttpStatusCode.Forbidden, anonymous.StatusCode);
    }

    [Fact]
    public async Task MediaKeyOfAnotherUsersUploadIsRejected()
    {
        var thief = await factory.SignUpAsync();
        var owner = await factory.SignUpAsync();
        using var thiefClient = factory.CreateClientFor(thief);
        using var ownerClient = factory.CreateClientFor(owner);
        var ownersKey = await ownerClient.UploadAsync(MediaApiExtensions.RandomBytes());

        var response = await thiefClient.PostJsonAsync("/stories", new { media_key = ownersKey, visibility = "public" });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("The media_key must be one returned by POST /upload/presigned to you.", Assert.Single(problem.Errors()["media_key"]));
    }

    [Fact]
    public async Task MediaKeyThatWasNeverUploadedIsRejected()
    {
        var author = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(author);
        var presigned = await client.PresignAsync("image/png", 100);

        var response = await client.PostJsonAsync("/stories", new { media_key = presigned.GetProperty("media_key").GetString(), visibility = "public" });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(
            "Nothing has been uploaded under this media_key: PUT the file to its upload_url first.",
            Assert.Single(problem.Errors()["media_key"]));
    }

    [Fact]
    public async Task MediaKeyThatStorageRefusesToLookUpIsRejectedNotAnOutage()
    {
        var author = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(author);
        var prefix = $"uploads/{author.Id}/";
        // Within the API's 512-character limit, but over S3's 1,024 bytes of UTF-8: storage answers the
        // HEAD with 400, which is about this key, not storage's health.
        var mediaKey = prefix + new string('€', 400);

        var response = await client.PostJsonAsync("/stories", new { media_key = mediaKey, visibility = "public" });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(
            "Nothing has been uploaded under this media_key: PUT the file to its upload_url first.",
            Assert.Single(problem.Errors()["media_key"]));
    }

    [Theory]
    [InlineData("text/html", 100, "The uploaded file's type (text/html) is not allowed")]
    [InlineData("image/png", 0, "The uploaded file is 0 bytes. An image must be 1 to 10485760 bytes (10 MiB).")]
    public async Task StoredObjectOfAForbiddenTypeOrSizeIsRejected(string contentType, int length, string expected)
    {
        var author = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(author);
        var mediaKey = $"uploads/{author.Id}/{Guid.NewGuid():N}.png";
        await TestStorage.PutObjectAsync(factory.Bucket, mediaKey, contentType, new byte[length]);

        var response = await client.PostJsonAsync("/stories", new { media_key = mediaKey, visibility = "public" });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.StartsWith(expected, Assert.Single(problem.Errors()["media_key"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheApiCreatesItsBucketAndReportsStorageHealthy()
    {
        using var client = factory.CreateClient();

        var health = await (await client.GetAsync("/healthz")).ReadJsonAsync();

        Assert.Equal("healthy", health.GetProperty("checks").GetProperty("storage").GetProperty("status").GetString());
        Assert.True(await TestStorage.BucketExistsAsync(factory.Bucket));
    }
}
