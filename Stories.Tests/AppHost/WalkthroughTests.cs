using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Stories.AppHost.Tests.Infrastructure;
using Stories.Resources;

namespace Stories.AppHost.Tests;

/// <summary>The README's walkthrough through the real graph, with both API replicas serving.</summary>
[Collection(SharedGraph.Name)]
public sealed class WalkthroughTests(StoriesGraph graph)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(2);

    [ContainerRuntimeFact]
    public async Task FollowerSeesAnImageStoryAndItsAuthorHearsTheViewAndTheReactionWhicheverReplicaServedThem()
    {
        using var cancellation = new CancellationTokenSource(s_timeout);
        var token = cancellation.Token;
        var replicas = await graph.App.ReplicaClientsAsync(ResourceNames.Api, token);
        Assert.Equal(2, replicas.Count);
        var (first, second) = (replicas[0], replicas[1]);
        using var storage = new HttpClient { Timeout = GraphApi.RequestTimeout };
        var author = await first.SignUpAsync(token);
        var follower = await second.SignUpAsync(token);
        await second.SendAsync(HttpMethod.Post, $"/follow/{author.UserId}", follower.Token, null, HttpStatusCode.NoContent, token);
        await first.SendAsync(HttpMethod.Post, $"/follow/{follower.UserId}", author.Token, null, HttpStatusCode.NoContent, token);
        var image = RandomNumberGenerator.GetBytes(4096);
        var presigned = await first.SendAsync(HttpMethod.Post, "/upload/presigned", author.Token,
            new { content_type = "image/png", file_name = "harbour.png", content_length = image.Length }, HttpStatusCode.OK, token);
        using (var upload = await storage.SendAsync(UploadRequest(presigned, image), token))
        {
            Assert.True(upload.IsSuccessStatusCode, $"MinIO refused the presigned PUT: {(int)upload.StatusCode} {await upload.Content.ReadAsStringAsync(token)}");
        }

        var story = await first.SendAsync(HttpMethod.Post, "/stories", author.Token,
            new { text = "Harbour at dawn", media_key = presigned.GetProperty("media_key").GetString(), visibility = "friends" }, HttpStatusCode.Created, token);
        var storyId = story.GetProperty("id").GetGuid();
        using var streamRequest = new HttpRequestMessage(HttpMethod.Get, "/events");
        streamRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", author.Token);
        using var stream = await first.SendAsync(streamRequest, HttpCompletionOption.ResponseHeadersRead, token);
        Assert.Equal("text/event-stream", stream.Content.Headers.ContentType?.MediaType);
        using var events = new StreamReader(await stream.Content.ReadAsStreamAsync(token));

        var feed = await second.SendAsync(HttpMethod.Get, "/feed", follower.Token, null, HttpStatusCode.OK, token);
        var item = feed.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("id").GetGuid() == storyId);
        var media = await storage.GetByteArrayAsync(item.GetProperty("media_url").GetString(), token);
        await second.SendAsync(HttpMethod.Post, $"/stories/{storyId}/view", follower.Token, null, HttpStatusCode.NoContent, token);
        var viewed = await events.ReadEventAsync("story.viewed", token);
        await first.SendAsync(HttpMethod.Post, $"/stories/{storyId}/reactions", follower.Token, new { emoji = "🔥" }, HttpStatusCode.Created, token);
        var reacted = await events.ReadEventAsync("story.reacted", token);

        Assert.Equal(image, media);
        Assert.Equal(storyId, viewed.GetProperty("payload").GetProperty("story_id").GetGuid());
        Assert.Equal(follower.UserId, viewed.GetProperty("payload").GetProperty("viewer_id").GetGuid());
        Assert.Equal(storyId, reacted.GetProperty("payload").GetProperty("story_id").GetGuid());
        Assert.Equal(follower.UserId, reacted.GetProperty("payload").GetProperty("user_id").GetGuid());
        Assert.Equal("🔥", reacted.GetProperty("payload").GetProperty("emoji").GetString());
    }

    /// <summary>The PUT a client sends: the method, URL and exactly the headers the API returned.</summary>
    private static HttpRequestMessage UploadRequest(JsonElement presigned, byte[] body)
    {
        var content = new ByteArrayContent(body);
        foreach (var header in presigned.GetProperty("headers").EnumerateObject())
        {
            content.Headers.Remove(header.Name);
            content.Headers.TryAddWithoutValidation(header.Name, header.Value.GetString());
        }

        return new HttpRequestMessage(new HttpMethod(presigned.GetProperty("method").GetString()!), presigned.GetProperty("upload_url").GetString())
        {
            Content = content,
        };
    }
}
