using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Stories.Tests.Infrastructure;

public sealed record TestUser(Guid Id, string Email, string Handle, string Password, string Token);

public static class ApiTestExtensions
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static string UniqueEmail(string prefix = "user") => $"{prefix}-{Guid.NewGuid():N}@example.com";

    /// <summary>Signs a new user up through the API and returns their real token.</summary>
    public static async Task<TestUser> SignUpAsync(this StoriesApiFactory factory, string? handle = null)
    {
        var email = UniqueEmail();
        const string password = "correct horse battery";
        using var client = factory.CreateClient();
        var response = await client.PostAsJsonAsync("/signup", new { email, password, handle }, Json);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.ReadJsonAsync();
        return new TestUser(
            body.GetProperty("user_id").GetGuid(),
            email,
            body.GetProperty("handle").GetString()!,
            password,
            body.GetProperty("token").GetString()!);
    }

    public static HttpClient CreateClientFor(this StoriesApiFactory factory, TestUser user) => factory.CreateClientWithToken(user.Token);

    public static HttpClient CreateClientWithToken(this StoriesApiFactory factory, string token)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>
    /// A client that sends only the trace headers a request is given, as a client in another process does.
    /// A factory's own clients are traced by the OpenTelemetry HttpClient instrumentation of any API in this
    /// process that exports OTLP (it listens process-wide), which adds its own <c>traceparent</c>.
    /// </summary>
    public static HttpClient CreateClientOfAnotherProcess(this StoriesApiFactory factory)
    {
        using var traced = factory.CreateClient();
        return new(new SocketsHttpHandler { ActivityHeadersPropagator = null }) { BaseAddress = traced.BaseAddress, Timeout = traced.Timeout };
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, object body) =>
        client.PostAsJsonAsync(path, body, Json);

    /// <summary>A failing login (a new address unless given, a wrong password) that says it came through a proxy: <c>X-Forwarded-For</c> as given.</summary>
    public static Task<HttpResponseMessage> FailLoginForwardedForAsync(this HttpClient client, string forwardedFor, string? email = null) =>
        client.PostForwardedForAsync("/login", forwardedFor, new { email = email ?? UniqueEmail("proxied"), password = "guessed password" });

    /// <summary>A sign-up that says it came through a proxy: <c>X-Forwarded-For</c> as given.</summary>
    public static Task<HttpResponseMessage> SignUpForwardedForAsync(this HttpClient client, string forwardedFor, string email) =>
        client.PostForwardedForAsync("/signup", forwardedFor, new { email, password = "correct horse battery" });

    private static Task<HttpResponseMessage> PostForwardedForAsync(this HttpClient client, string path, string forwardedFor, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: Json) };
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return client.SendAsync(request);
    }

    /// <summary><c>POST /stories</c> with an <c>Idempotency-Key</c>.</summary>
    public static Task<HttpResponseMessage> PostStoryWithKeyAsync(this HttpClient client, string key, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/stories") { Content = System.Net.Http.Json.JsonContent.Create(body, options: Json) };
        request.Headers.Add("Idempotency-Key", key);
        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PostRawJsonAsync(this HttpClient client, string path, string json) =>
        client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        try
        {
            return JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException exception)
        {
            throw new InvalidOperationException(
                $"{(int)response.StatusCode} {response.RequestMessage?.RequestUri} answered no JSON ({response.Content.Headers.ContentType}, {response.Content.Headers.ContentLength} bytes): '{text}'", exception);
        }
    }

    /// <summary>Asserts an RFC 9457 answer: the status, the media type, and the status and trace id in the body.</summary>
    public static async Task<JsonElement> AssertProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("trace_id").GetString()));
        return problem;
    }

    /// <summary>The field errors of a validation problem, by field name.</summary>
    public static Dictionary<string, string[]> Errors(this JsonElement problem) =>
        problem.GetProperty("errors").EnumerateObject()
            .ToDictionary(field => field.Name, field => field.Value.EnumerateArray().Select(e => e.GetString()!).ToArray());

    /// <summary>A token signed by the test's own hand, for the cases the API must refuse.</summary>
    public static string CreateToken(
        Guid userId,
        DateTimeOffset? expires = null,
        string signingKey = StoriesApiFactory.SigningKey,
        string issuer = StoriesApiFactory.Issuer,
        string audience = StoriesApiFactory.Audience,
        DateTimeOffset? issuedAt = null)
    {
        var iat = (issuedAt ?? DateTimeOffset.UtcNow).UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, userId.ToString())]),
            IssuedAt = iat,
            NotBefore = iat,
            Expires = (expires ?? DateTimeOffset.UtcNow.AddHours(1)).UtcDateTime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signingKey)), SecurityAlgorithms.HmacSha256),
        });
    }
}
