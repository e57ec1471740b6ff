using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Stories.Bench;

/// <summary>
/// <c>make seed</c>: demo data for a running API, through its public HTTP routes only — the same
/// code paths as any client. Safe to run again: existing accounts log in, stories carry
/// Idempotency-Keys (a rerun within a day replays them instead of posting twice), and a 429 from
/// the per-IP login limit is waited out.
/// </summary>
internal static class DemoSeeder
{
    public const string Password = "stories-demo-password";
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    // The smallest valid PNG (1×1, transparent): real bytes for a real presigned upload.
    private static readonly byte[] s_png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

    private sealed record Account(string Handle, Guid Id, string Token);

    public static async Task<int> RunAsync(Arguments args)
    {
        using var http = new HttpClient { BaseAddress = new Uri(args.Get("api", "http://localhost:5000")), Timeout = TimeSpan.FromSeconds(30) };
        var people = new Dictionary<string, Account>();
        foreach (var handle in new[] { "ada", "bob", "chen", "dara", "eli" })
        {
            people[handle] = await SignUpOrLogInAsync(http, handle);
        }

        foreach (var (follower, followee) in new[] { ("bob", "ada"), ("chen", "ada"), ("dara", "ada"), ("ada", "chen"), ("eli", "bob"), ("dara", "bob") })
        {
            await SendAsync(http, HttpMethod.Post, $"/follow/{people[followee].Id}", people[follower], null, "follow");
        }

        var ada = people["ada"];
        var stories = new List<(Guid Id, Account Author)>
        {
            (await PostStoryAsync(http, ada, "ada-1", new { text = "Sunrise over the harbour, first coffee of the day", visibility = "public" }), ada),
            (await PostStoryAsync(http, ada, "ada-2", new { text = "Followers only: the new studio is finally painted", visibility = "friends" }), ada),
            (await PostStoryAsync(http, ada, "ada-3", new { text = "Close friends: rehearsal notes for Saturday", visibility = "friends", audience_user_ids = new[] { people["bob"].Id } }), ada),
            (await PostStoryAsync(http, ada, "ada-4", new { text = "Note to self: call the framer", visibility = "private" }), ada),
            (await PostStoryAsync(http, people["chen"], "chen-1", new { text = "Running along the canal before the rain", visibility = "public" }), people["chen"]),
        };
        // Each upload is a new object, so a rerun must not upload again: the same Idempotency-Key
        // with another media_key is (rightly) refused with 422.
        const string MediaStoryText = "A picture from the market";
        if (await FindOwnStoryAsync(http, people["bob"], MediaStoryText) is { } existing)
        {
            stories.Add((existing, people["bob"]));
        }
        else if (await UploadAsync(http, people["bob"]) is { } mediaKey)
        {
            stories.Add((await PostStoryAsync(http, people["bob"], "bob-1", new { text = MediaStoryText, media_key = mediaKey, visibility = "public" }), people["bob"]));
        }

        var emoji = new[] { "❤️", "🔥", "😂", "👍", "😮" };
        var n = 0;
        foreach (var (storyId, author) in stories)
        {
            foreach (var viewer in people.Values.Where(p => p != author))
            {
                // Stories a viewer may not see answer 404: that is the visibility rule at work, not an error.
                if (await SendAsync(http, HttpMethod.Post, $"/stories/{storyId}/view", viewer, null, "view", HttpStatusCode.NotFound) == HttpStatusCode.NoContent && n++ % 2 == 0)
                {
                    await SendAsync(http, HttpMethod.Post, $"/stories/{storyId}/reactions", viewer, new { emoji = emoji[n % emoji.Length] }, "reaction");
                }
            }
        }

        Console.WriteLine($"Demo data ready at {http.BaseAddress}: {people.Count} users, {stories.Count} stories.");
        Console.WriteLine($"Log in as any of: {string.Join(", ", people.Keys.Select(h => $"demo-{h}@stories.example"))} — password \"{Password}\"");
        Console.WriteLine($"e.g.  curl -s -X POST {http.BaseAddress}login -H 'Content-Type: application/json' -d '{{\"email\":\"demo-ada@stories.example\",\"password\":\"{Password}\"}}'");
        return 0;
    }

    /// <summary>Logs in when the account exists (a rerun), signs up otherwise.</summary>
    private static async Task<Account> SignUpOrLogInAsync(HttpClient http, string handle)
    {
        var email = $"demo-{handle}@stories.example";
        using var login = await PostPatientlyAsync(http, "/login", new { email, password = Password });
        using var response = login.StatusCode == HttpStatusCode.Unauthorized
            ? await PostPatientlyAsync(http, "/signup", new { email, password = Password, handle = $"demo_{handle}" })
            : null;
        var body = await ReadAsync(response ?? login, $"sign-up/login of {email}");
        return new Account(body.GetProperty("handle").GetString()!, body.GetProperty("user_id").GetGuid(), body.GetProperty("token").GetString()!);
    }

    /// <summary>Login and sign-up are rate-limited per client IP: wait as the API asks, then retry.</summary>
    private static async Task<HttpResponseMessage> PostPatientlyAsync(HttpClient http, string path, object body)
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await http.PostAsJsonAsync(path, body, s_json);
            if (response.StatusCode != HttpStatusCode.TooManyRequests || attempt == 5)
            {
                return response;
            }

            var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(10);
            Console.Error.WriteLine($"{path} is rate-limited; retrying in {wait.TotalSeconds:F0} s");
            response.Dispose();
            await Task.Delay(wait + TimeSpan.FromMilliseconds(200));
        }
    }

    private static async Task<Guid> PostStoryAsync(HttpClient http, Account author, string key, object story)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/stories") { Content = JsonContent.Create(story, options: s_json) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", author.Token);
        request.Headers.Add("Idempotency-Key", $"demo-{key}");
        using var response = await http.SendAsync(request);
        return (await ReadAsync(response, $"story {key}")).GetProperty("id").GetGuid();
    }

    private static async Task<Guid?> FindOwnStoryAsync(HttpClient http, Account author, string text)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/feed?limit=50");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", author.Token);
        using var response = await http.SendAsync(request);
        var page = await ReadAsync(response, "feed");
        return page.GetProperty("items").EnumerateArray()
            .Where(item => item.GetProperty("author").GetProperty("id").GetGuid() == author.Id && item.GetProperty("text").GetString() == text)
            .Select(item => (Guid?)item.GetProperty("id").GetGuid())
            .FirstOrDefault();
    }

    /// <summary>Presign, then PUT the bytes straight to storage with exactly the headers the API returned.</summary>
    private static async Task<string?> UploadAsync(HttpClient http, Account owner)
    {
        using var presign = new HttpRequestMessage(HttpMethod.Post, "/upload/presigned")
        {
            Content = JsonContent.Create(new { content_type = "image/png", file_name = "market.png", content_length = s_png.Length }, options: s_json),
        };
        presign.Headers.Authorization = new AuthenticationHeaderValue("Bearer", owner.Token);
        using var presigned = await http.SendAsync(presign);
        if (!presigned.IsSuccessStatusCode)
        {
            Console.Error.WriteLine($"media upload skipped: POST /upload/presigned answered {(int)presigned.StatusCode}");
            return null;
        }

        var upload = await ReadAsync(presigned, "presign");
        using var put = new HttpRequestMessage(HttpMethod.Put, upload.GetProperty("upload_url").GetString()) { Content = new ByteArrayContent(s_png) };
        foreach (var header in upload.GetProperty("headers").EnumerateObject())
        {
            if (!put.Headers.TryAddWithoutValidation(header.Name, header.Value.GetString()))
            {
                put.Content.Headers.Remove(header.Name);
                put.Content.Headers.TryAddWithoutValidation(header.Name, header.Value.GetString());
            }
        }

        using var storage = new HttpClient();
        using var stored = await storage.SendAsync(put);
        if (!stored.IsSuccessStatusCode)
        {
            Console.Error.WriteLine($"media upload skipped: storage answered {(int)stored.StatusCode} to the presigned PUT");
            return null;
        }

        return upload.GetProperty("media_key").GetString();
    }

    private static async Task<HttpStatusCode> SendAsync(HttpClient http, HttpMethod method, string path, Account caller, object? body, string what, HttpStatusCode? alsoFine = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body, options: s_json) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", caller.Token);
        using var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode && response.StatusCode != alsoFine)
        {
            throw new InvalidOperationException($"{what}: {method} {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        return response.StatusCode;
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, string what)
    {
        var text = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode
            ? JsonDocument.Parse(text).RootElement.Clone()
            : throw new InvalidOperationException($"{what} answered {(int)response.StatusCode}: {text}");
    }
}
