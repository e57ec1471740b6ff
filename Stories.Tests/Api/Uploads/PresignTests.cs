using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Uploads;

/// <summary><c>POST /upload/presigned</c>: what the API hands out, and what it refuses before storage is asked.</summary>
public sealed class PresignTests(StorageApiFactory factory) : IClassFixture<StorageApiFactory>
{
    [Fact]
    public async Task UploadUrlSignsTypeLengthAndHostAndExpiresWithinTheConfiguredLifetime()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        var before = DateTimeOffset.UtcNow;

        var presigned = await client.PresignAsync("image/png", 1234, "holiday.png");

        var url = presigned.GetProperty("upload_url").GetString()!;
        var query = MediaApiExtensions.QueryOf(url);
        Assert.StartsWith($"{factory.PublicEndpoint}/{factory.Bucket}/uploads/{user.Id}/", url, StringComparison.Ordinal);
        Assert.Equal("content-length;content-type;host", query["X-Amz-SignedHeaders"]);
        Assert.Equal("PUT", presigned.GetProperty("method").GetString());
        var headers = presigned.GetProperty("headers");
        Assert.Equal("image/png", headers.GetProperty("Content-Type").GetString());
        Assert.Equal("1234", headers.GetProperty("Content-Length").GetString());
        var expiresAt = presigned.GetProperty("expires_at").GetDateTimeOffset();
        var signedAt = DateTimeOffset.ParseExact(query["X-Amz-Date"], "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        var lifetime = TimeSpan.FromSeconds(int.Parse(query["X-Amz-Expires"], CultureInfo.InvariantCulture));
        Assert.True(lifetime <= TimeSpan.FromMinutes(10), $"X-Amz-Expires is {lifetime}.");
        Assert.True(signedAt + lifetime <= expiresAt, $"Storage would accept the URL until {signedAt + lifetime}, after expires_at {expiresAt}.");
        Assert.InRange(expiresAt, before.AddMinutes(10).AddSeconds(-5), before.AddMinutes(10).AddSeconds(5));
    }

    [Theory]
    [InlineData("image/jpeg", "photo.JPEG", ".jpeg")]
    [InlineData("image/jpeg", "photo.png", ".jpg")]
    [InlineData("image/png", "../../../etc/passwd", ".png")]
    [InlineData("image/png", "/uploads/someone-else/x.php", ".png")]
    [InlineData("video/quicktime", "clip.MOV", ".mov")]
    [InlineData("video/mp4", null, ".mp4")]
    public async Task MediaKeyIsUnderTheCallersPrefixWithAnExtensionOfItsType(string contentType, string? fileName, string extension)
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);

        var response = await client.PostJsonAsync("/upload/presigned", new { content_type = contentType, file_name = fileName, content_length = 10 });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var key = (await response.ReadJsonAsync()).GetProperty("media_key").GetString()!;
        Assert.Matches(new Regex($"^uploads/{user.Id}/[0-9a-f]{{32}}{Regex.Escape(extension)}$"), key);
    }

    [Fact]
    public async Task EveryPresignGetsADifferentKey()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);

        var first = await client.PresignAsync("image/png", 10, "same.png");
        var second = await client.PresignAsync("image/png", 10, "same.png");

        Assert.NotEqual(first.GetProperty("media_key").GetString(), second.GetProperty("media_key").GetString());
    }

    [Theory]
    [InlineData("application/pdf")]
    [InlineData("image/svg+xml")]
    [InlineData("text/html")]
    [InlineData("image/png; charset=utf-8")]
    [InlineData(null)]
    public async Task DisallowedContentTypeIsRejectedWithTheAllowedList(string? contentType)
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);

        var response = await client.PostJsonAsync("/upload/presigned", new { content_type = contentType, file_name = "x", content_length = 10 });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        var error = Assert.Single(problem.Errors()["content_type"]);
        Assert.Equal("content_type must be one of: image/jpeg, image/png, image/webp, image/gif, video/mp4, video/quicktime, video/webm.", error);
    }

    [Theory]
    [InlineData("image/png", 10 * 1024 * 1024 + 1, "An image must be 1 to 10485760 bytes (10 MiB).")]
    [InlineData("video/mp4", 100 * 1024 * 1024 + 1, "A video must be 1 to 104857600 bytes (100 MiB).")]
    public async Task UploadLargerThanTheLimitOfItsKindIsRejected(string contentType, long contentLength, string expected)
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);

        var response = await client.PostJsonAsync("/upload/presigned", new { content_type = contentType, file_name = "x", content_length = contentLength });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(expected, Assert.Single(problem.Errors()["content_length"]));
    }

    [Theory]
    [InlineData("image/png", 10 * 1024 * 1024)]
    [InlineData("video/webm", 100 * 1024 * 1024)]
    public async Task UploadOfExactlyTheLimitIsAccepted(string contentType, long contentLength)
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);

        var presigned = await client.PresignAsync(contentType, contentLength);

        Assert.Equal(contentLength.ToString(CultureInfo.InvariantCulture), presigned.GetProperty("headers").GetProperty("Content-Length").GetString());
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(null)]
    public async Task MissingOrNonPositiveContentLengthIsRejected(long? contentLength)
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);

        var response = await client.PostJsonAsync("/upload/presigned", new { content_type = "image/png", file_name = "x.png", content_length = contentLength });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("content_length must be the file's size in bytes, at least 1.", Assert.Single(problem.Errors()["content_length"]));
    }

    [Fact]
    public async Task PresignNeedsAToken()
    {
        using var client = factory.CreateClient();

        var response = await client.PostJsonAsync("/upload/presigned", new { content_type = "image/png", file_name = "x.png", content_length = 10 });

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }
}
