using System.Net;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Uploads;

/// <summary>Storage refuses an upload URL once its lifetime is over (one second here, to keep the wait short).</summary>
public sealed class ExpiredUploadUrlTests(ExpiredUploadUrlTests.OneSecondUploadUrlFactory factory)
    : IClassFixture<ExpiredUploadUrlTests.OneSecondUploadUrlFactory>
{
    [Fact]
    public async Task StorageRefusesAnExpiredUploadUrl()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        var bytes = MediaApiExtensions.RandomBytes(100);
        var presigned = await client.PresignAsync("image/png", bytes.Length);
        var expiresAt = presigned.GetProperty("expires_at").GetDateTimeOffset();
        // Storage compares with its own clock (this machine's), so wait past expires_at on the real one.
        var wait = expiresAt - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        var response = await MediaApiExtensions.UploadBytesAsync(presigned, bytes);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("<Code>AccessDenied</Code>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var story = await client.PostJsonAsync("/stories", new { media_key = presigned.GetProperty("media_key").GetString(), visibility = "public" });
        var problem = await story.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.Errors().ContainsKey("media_key"));
    }

    public sealed class OneSecondUploadUrlFactory : StorageApiFactory
    {
        public OneSecondUploadUrlFactory() => WithSetting("Storage:UploadUrlLifetime", "00:00:01");
    }
}
