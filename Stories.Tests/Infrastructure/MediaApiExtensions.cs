using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;

namespace Stories.Tests.Infrastructure;

public static class MediaApiExtensions
{
    /// <summary>Talks to storage as a client app does: no token, straight to the presigned URL.</summary>
    private static readonly HttpClient s_storage = new();

    public static async Task<JsonElement> PresignAsync(this HttpClient client, string contentType, long contentLength, string fileName = "photo")
    {
        var response = await client.PostJsonAsync("/upload/presigned", new { content_type = contentType, file_name = fileName, content_length = contentLength });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Presigning answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Sends <paramref name="body"/> with the method and exactly the headers the API returned.</summary>
    public static async Task<HttpResponseMessage> UploadBytesAsync(JsonElement presigned, byte[] body)
    {
        var content = new ByteArrayContent(body);
        foreach (var header in presigned.GetProperty("headers").EnumerateObject())
        {
            content.Headers.Remove(header.Name);
            Assert.True(content.Headers.TryAddWithoutValidation(header.Name, header.Value.GetString()), $"Cannot send header {header.Name}.");
        }

        using var request = new HttpRequestMessage(new HttpMethod(presigned.GetProperty("method").GetString()!), presigned.GetProperty("upload_url").GetString())
        {
            Content = content,
        };
        return await s_storage.SendAsync(request);
    }

    /// <summary>A PUT as a misbehaving client sends it: its own type, and the body's true length.</summary>
    public static Task<HttpResponseMessage> PutAsync(string url, byte[] body, string contentType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return s_storage.PutAsync(url, content);
    }

    public static Task<HttpResponseMessage> GetAsync(string url) => s_storage.GetAsync(url);

    /// <summary>Presigns and uploads <paramref name="body"/>; returns the media key.</summary>
    public static async Task<string> UploadAsync(this HttpClient client, byte[] body, string contentType = "image/png")
    {
        var presigned = await client.PresignAsync(contentType, body.Length);
        var response = await UploadBytesAsync(presigned, body);
        Assert.True(response.IsSuccessStatusCode, $"Storage refused the upload: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return presigned.GetProperty("media_key").GetString()!;
    }

    public static byte[] RandomBytes(int length = 2048) => RandomNumberGenerator.GetBytes(length);

    /// <summary>The query parameters of a presigned URL, by name.</summary>
    public static Dictionary<string, string> QueryOf(string url) =>
        new Uri(url).Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => Uri.UnescapeDataString(pair.Length > 1 ? pair[1] : ""), StringComparer.Ordinal);
}
