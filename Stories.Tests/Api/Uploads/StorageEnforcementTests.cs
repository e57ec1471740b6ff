using System.Net;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Uploads;

/// <summary>
/// What the presigned PUT leaves to storage itself: the real S3 server refuses any upload other than
/// the one described to the API, and nothing it refused can back a story.
/// </summary>
public sealed class StorageEnforcementTests(StorageApiFactory factory) : IClassFixture<StorageApiFactory>
{
    [Fact]
    public async Task StorageRefusesAnUploadWithAnotherContentType()
    {
        var (client, presigned) = await PresignAsync("image/png", 1000);
        using var _ = client;

        var response = await MediaApiExtensions.PutAsync(presigned.GetProperty("upload_url").GetString()!, new byte[1000], "text/html");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("<Code>SignatureDoesNotMatch</Code>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await AssertNotUsableAsync(client, presigned);
    }

    [Theory]
    [InlineData(1001)]
    [InlineData(999)]
    public async Task StorageRefusesABodyOfAnotherSizeThanSigned(int bodyLength)
    {
        var (client, presigned) = await PresignAsync("image/png", 1000);
        using var _ = client;

        var response = await MediaApiExtensions.PutAsync(presigned.GetProperty("upload_url").GetString()!, new byte[bodyLength], "image/png");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("<Code>SignatureDoesNotMatch</Code>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await AssertNotUsableAsync(client, presigned);
    }

    [Theory]
    [InlineData("X-Amz-Signature")]
    [InlineData("X-Amz-Expires")]
    [InlineData("X-Amz-SignedHeaders")]
    public async Task StorageRefusesATamperedUrl(string parameter)
    {
        var (client, presigned) = await PresignAsync("image/png", 1000);
        using var _ = client;
        var url = presigned.GetProperty("upload_url").GetString()!;
        var value = MediaApiExtensions.QueryOf(url)[parameter];
        var tampered = parameter switch
        {
            "X-Amz-Signature" => (value[0] == '0' ? "1" : "0") + value[1..],
            "X-Amz-Expires" => "604800",
            _ => "host",
        };

        var response = await MediaApiExtensions.PutAsync(
            url.Replace($"{parameter}={Uri.EscapeDataString(value)}", $"{parameter}={Uri.EscapeDataString(tampered)}", StringComparison.Ordinal),
            new byte[1000],
            "image/png");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        await AssertNotUsableAsync(client, presigned);
    }

    [Fact]
    public async Task StorageRefusesAnUploadToAnotherKeyWithTheSameSignature()
    {
        var (client, presigned) = await PresignAsync("image/png", 1000);
        using var _ = client;
        var url = presigned.GetProperty("upload_url").GetString()!;
        var mediaKey = presigned.GetProperty("media_key").GetString()!;

        var response = await MediaApiExtensions.PutAsync(url.Replace(mediaKey, mediaKey + ".html", StringComparison.Ordinal), new byte[1000], "image/png");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    private async Task<(HttpClient Client, System.Text.Json.JsonElement Presigned)> PresignAsync(string contentType, long length)
    {
        var user = await factory.SignUpAsync();
        var client = factory.CreateClientFor(user);
        return (client, await client.PresignAsync(contentType, length));
    }

    /// <summary>Storage kept nothing, so the key cannot back a story.</summary>
    private static async Task AssertNotUsableAsync(HttpClient client, System.Text.Json.JsonElement presigned)
    {
        var response = await client.PostJsonAsync("/stories", new { media_key = presigned.GetProperty("media_key").GetString(), visibility = "public" });
        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.StartsWith("Nothing has been uploaded", Assert.Single(problem.Errors()["media_key"]), StringComparison.Ordinal);
    }
}
