using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Platform;

/// <summary>The named log events, as the JSON console formatter writes them: ids as fields, the trace id, no secrets.</summary>
public sealed class LogTests(StoriesApiFactory factory) : IClassFixture<StoriesApiFactory>
{
    [Fact]
    public async Task AuthAndStoryEventsAreJsonLinesWithIdsAndTheTraceId()
    {
        var author = await factory.SignUpAsync();
        var reader = await factory.SignUpAsync();
        using var authorClient = factory.CreateClientFor(author);
        using var readerClient = factory.CreateClientFor(reader);
        using var anonymous = factory.CreateClient();
        var traceId = ActivityTraceId.CreateRandom().ToHexString();

        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostJsonAsync("/login", new { email = author.Email, password = author.Password })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostJsonAsync("/login", new { email = author.Email, password = "not the password" })).StatusCode);
        using var create = new HttpRequestMessage(HttpMethod.Post, "/stories")
        {
            Content = new StringContent("""{"text":"logged","visibility":"public"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        create.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        using var external = factory.CreateClientOfAnotherProcess();
        external.DefaultRequestHeaders.Authorization = authorClient.DefaultRequestHeaders.Authorization;
        var story = (await (await external.SendAsync(create)).ReadJsonAsync()).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.NoContent, (await readerClient.PostAsync($"/stories/{story}/view", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await readerClient.PostJsonAsync($"/stories/{story}/reactions", new { emoji = "🔥" })).StatusCode);

        var auth = factory.Logs.Events("auth").Where(e => Field(e, "user_id") == author.Id.ToString()).ToList();
        Assert.Contains(auth, e => Field(e, "action") == "signup" && Field(e, "outcome") == "succeeded" && Field(e, "level") == "info");
        Assert.Contains(auth, e => Field(e, "action") == "login" && Field(e, "outcome") == "succeeded");
        Assert.Contains(auth, e => Field(e, "action") == "login" && Field(e, "outcome") == "failed" && Field(e, "level") == "warning");
        var created = Assert.Single(factory.Logs.Events("story_created"), e => Field(e, "story_id") == story.ToString());
        Assert.Equal(author.Id.ToString(), Field(created, "user_id"));
        Assert.Equal(traceId, Field(created, "trace_id"));
        Assert.Equal("story created", Field(created, "msg"));
        Assert.Equal("public", Field(created, "visibility"));
        var viewed = Assert.Single(factory.Logs.Events("story_viewed"), e => Field(e, "story_id") == story.ToString());
        Assert.Equal(reader.Id.ToString(), Field(viewed, "user_id"));
        var reacted = Assert.Single(factory.Logs.Events("reaction_added"), e => Field(e, "story_id") == story.ToString());
        Assert.Equal(reader.Id.ToString(), Field(reacted, "user_id"));
        Assert.Equal("🔥", Field(reacted, "emoji"));
        Assert.All([.. auth, created, viewed, reacted], entry =>
        {
            Assert.Matches("^[0-9a-f]{32}$", Field(entry, "trace_id"));
            Assert.True(DateTimeOffset.TryParse(Field(entry, "timestamp"), out _));
        });
    }

    [Fact]
    public async Task PasswordsAndTokensNeverReachTheLogs()
    {
        using var anonymous = factory.CreateClient();
        var email = ApiTestExtensions.UniqueEmail();
        const string password = "s3cret-horse-battery-staple";
        const string wrongPassword = "w0rng-guess-for-the-logs";

        var signUp = await (await anonymous.PostJsonAsync("/signup", new { email, password })).ReadJsonAsync();
        var logIn = await (await anonymous.PostJsonAsync("/login", new { email, password })).ReadJsonAsync();
        await anonymous.PostJsonAsync("/login", new { email, password = wrongPassword });
        await anonymous.PostJsonAsync("/signup", new { email, password = wrongPassword });
        using var client = factory.CreateClientWithToken(logIn.GetProperty("token").GetString()!);
        await client.CreateStoryIdAsync("authenticated");

        var secrets = new[] { password, wrongPassword, signUp.GetProperty("token").GetString()!, logIn.GetProperty("token").GetString()! };
        // A JWT's signature alone would identify it too.
        var signatures = secrets[2..].Select(token => token.Split('.')[^1]);
        Assert.Contains(factory.Logs.Events("auth"), e => Field(e, "user_id") == signUp.GetProperty("user_id").GetString());
        foreach (var secret in secrets.Concat(signatures))
        {
            Assert.DoesNotContain(factory.Logs.Lines, line => line.Contains(secret, StringComparison.Ordinal));
        }
    }

    private static string? Field(JsonElement entry, string name) =>
        entry.TryGetProperty(name, out var value) ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText() : null;
}
