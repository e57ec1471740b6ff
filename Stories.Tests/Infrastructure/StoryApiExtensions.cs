using System.Net;
using System.Text.Json;

namespace Stories.Tests.Infrastructure;

public static class StoryApiExtensions
{
    public static async Task<JsonElement> CreateStoryAsync(this HttpClient client, object body)
    {
        var response = await client.PostJsonAsync("/stories", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"Creating a story answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<Guid> CreateStoryIdAsync(this HttpClient client, string text, string visibility = "public", IEnumerable<Guid>? audience = null) =>
        (await client.CreateStoryAsync(new { text, visibility, audience_user_ids = audience?.ToArray() })).GetProperty("id").GetGuid();

    public static async Task FollowAsync(this HttpClient client, Guid userId)
    {
        var response = await client.PostAsync($"/follow/{userId}", null);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    public static async Task UnfollowAsync(this HttpClient client, Guid userId)
    {
        var response = await client.DeleteAsync($"/follow/{userId}");
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    /// <summary>The story with <paramref name="id"/> on a page of stories (<c>{ "items": [ … ] }</c>); fails unless it is there once.</summary>
    public static JsonElement ItemWithId(this JsonElement page, Guid id) =>
        page.GetProperty("items").EnumerateArray().Single(item => item.GetProperty("id").GetGuid() == id);

    /// <summary>Every story id of the caller's feed, walking all pages.</summary>
    public static async Task<List<Guid>> FeedIdsAsync(this HttpClient client, int limit = 50)
    {
        var ids = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = await (await client.GetAsync($"/feed?limit={limit}" + (cursor is null ? "" : $"&cursor={cursor}"))).ReadJsonAsync();
            ids.AddRange(page.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("id").GetGuid()));
            cursor = page.GetProperty("next_cursor").GetString();
        }
        while (cursor is not null);
        return ids;
    }

    public static async Task<List<Guid>> SearchIdsAsync(this HttpClient client, string q)
    {
        var response = await client.GetAsync($"/search?q={Uri.EscapeDataString(q)}&limit=50");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.ReadJsonAsync();
        return [.. page.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("id").GetGuid())];
    }
}
