using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Stories.ServiceDefaults;

namespace Stories.AppHost.Tests;

/// <summary>One user journey through the real graph: containers, two API replicas, the worker.</summary>
public sealed class EndToEndTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(5);
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    [ContainerRuntimeFact]
    public async Task AuthorsEventStreamReceivesStoryViewedWhenAFollowerViewsTheirStory()
    {
        using var cancellation = new CancellationTokenSource(s_timeout);
        var token = cancellation.Token;
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Stories_AppHost>(TestParameters.Args, token);
        await using var app = await builder.BuildAsync(token).WaitAsync(s_timeout, token);
        await app.StartAsync(token).WaitAsync(s_timeout, token);
        await app.ResourceNotifications.WaitForResourceHealthyAsync(ResourceNames.Api, token).WaitAsync(s_timeout, token);
        using var http = app.CreateHttpClient(ResourceNames.Api);
        var author = await SignUpAsync(http, token);
        var follower = await SignUpAsync(http, token);
        await SendAsync(http, HttpMethod.Post, $"/follow/{author.UserId}", follower.Token, null, HttpStatusCode.NoContent, token);
        var story = await SendAsync(http, HttpMethod.Post, "/stories", author.Token, new { text = "through the whole graph", visibility = "friends" }, HttpStatusCode.Created, token);
        var storyId = story.GetProperty("id").GetGuid();
        using var streamRequest = new HttpRequestMessage(HttpMethod.Get, "/events");
        streamRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", author.Token);
        using var stream = await http.SendAsync(streamRequest, HttpCompletionOption.ResponseHeadersRead, token);
        Assert.Equal("text/event-stream", stream.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync(token));

        await SendAsync(http, HttpMethod.Post, $"/stories/{storyId}/view", follower.Token, null, HttpStatusCode.NoContent, token);
        var envelope = await ReadEventAsync(reader, "story.viewed", token).WaitAsync(TimeSpan.FromSeconds(30), token);

        Assert.Equal("story.viewed", envelope.GetProperty("type").GetString());
        Assert.Equal(storyId, envelope.GetProperty("payload").GetProperty("story_id").GetGuid());
        Assert.Equal(follower.UserId, envelope.GetProperty("payload").GetProperty("viewer_id").GetGuid());
    }

    private sealed record User(Guid UserId, string Token);

    private static async Task<User> SignUpAsync(HttpClient http, CancellationToken token)
    {
        var body = await SendAsync(http, HttpMethod.Post, "/signup", null, new { email = $"e2e-{Guid.NewGuid():N}@example.com", password = "correct horse battery" }, HttpStatusCode.Created, token);
        return new User(body.GetProperty("user_id").GetGuid(), body.GetProperty("token").GetString()!);
    }

    private static async Task<JsonElement> SendAsync(HttpClient http, HttpMethod method, string path, string? bearer, object? body, HttpStatusCode expected, CancellationToken token)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body, options: s_json) };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        using var response = await http.SendAsync(request, token);
        var text = await response.Content.ReadAsStringAsync(token);
        Assert.True(expected == response.StatusCode, $"{method} {path}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Reads server-sent events until one of the given type arrives; returns its data envelope.</summary>
    private static async Task<JsonElement> ReadEventAsync(StreamReader reader, string type, CancellationToken token)
    {
        string? eventType = null;
        while (await reader.ReadLineAsync(token) is { } line)
        {
            if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                eventType = line["event:".Length..].Trim();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal) && eventType == type)
            {
                return JsonDocument.Parse(line["data:".Length..].Trim()).RootElement.Clone();
            }
            else if (line.Length == 0)
            {
                eventType = null;
            }
        }

        throw new InvalidOperationException($"The event stream ended before a {type} event arrived.");
    }
}
