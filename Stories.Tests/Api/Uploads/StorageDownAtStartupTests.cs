using System.Net;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Uploads;

/// <summary>The API starts while storage is away, serves everything but media, and creates its bucket once storage returns.</summary>
public sealed class StorageDownAtStartupTests(StorageDownAtStartupTests.StorageDownFactory factory)
    : IClassFixture<StorageDownAtStartupTests.StorageDownFactory>
{
    [Fact]
    public async Task ApiStartsWithoutStorageAndCreatesItsBucketOnFirstUseAfterStorageReturns()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        var textStory = await client.PostJsonAsync("/stories", new { text = "no storage yet", visibility = "public" });
        var presignWhileDown = await client.PostJsonAsync("/upload/presigned", new { content_type = "image/png", file_name = "x.png", content_length = 10 });
        var bucketWhileDown = await TestStorage.BucketExistsAsync(factory.Bucket);

        factory.Proxy.Start();
        var presigned = await client.PresignAsync("image/png", 10);
        var upload = await MediaApiExtensions.UploadBytesAsync(presigned, MediaApiExtensions.RandomBytes(10));

        Assert.Equal(HttpStatusCode.Created, textStory.StatusCode);
        await presignWhileDown.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.False(bucketWhileDown);
        Assert.True(await TestStorage.BucketExistsAsync(factory.Bucket));
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
    }

    public sealed class StorageDownFactory() : ProxiedStorageApiFactory(startWithStorageDown: true);
}
