using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Stories.Resources;
using Stories.ServiceDefaults;

namespace Stories.AppHost.Tests.Infrastructure;

/// <summary>Talking to the graph's services over HTTP, as a client app does.</summary>
public static class GraphApi
{
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public sealed record User(Guid UserId, string Token);

    /// <summary>
    /// One client per replica of <paramref name="resourceName"/>, each addressing that replica's own
    /// address (not Aspire's proxy in front of them all), so a test chooses which replica serves a request.
    /// </summary>
    public static Task<IReadOnlyList<HttpClient>> ReplicaClientsAsync(this DistributedApplication app, string resourceName, CancellationToken token) =>
        // The snapshot's URL is the proxy in front of all replicas; the address the replica itself
        // listens on is the one Aspire gave it in ASPNETCORE_URLS.
        app.InstanceClientsAsync(resourceName, urls => urls.Split(';').First(u => u.StartsWith("http://", StringComparison.Ordinal)), "ASPNETCORE_URLS", token);

    /// <summary>One client per replica of <paramref name="resourceName"/> for that replica's own management port (<c>Management__Port</c>).</summary>
    public static Task<IReadOnlyList<HttpClient>> ReplicaManagementClientsAsync(this DistributedApplication app, string resourceName, CancellationToken token) =>
        app.InstanceClientsAsync(resourceName, port => $"http://localhost:{port}", ManagementPortVariable, token);

    /// <summary>The variable the AppHost hands each replica its management port in.</summary>
    public const string ManagementPortVariable = $"{ManagementOptions.SectionName}__{nameof(ManagementOptions.Port)}";

    private static async Task<IReadOnlyList<HttpClient>> InstanceClientsAsync(
        this DistributedApplication app, string resourceName, Func<string, string> address, string variable, CancellationToken token)
    {
        var clients = new List<HttpClient>();
        foreach (var state in await app.InstancesAsync(resourceName, token))
        {
            var value = state.Snapshot.EnvironmentVariables.FirstOrDefault(e => e.Name == variable)?.Value
                ?? throw new InvalidOperationException($"{state.ResourceId} has no {variable}.");
            clients.Add(new HttpClient { BaseAddress = new Uri(address(value)), Timeout = RequestTimeout });
        }

        Assert.True(clients.Select(c => c.BaseAddress).Distinct().Count() == clients.Count, $"Replicas of {resourceName} share an address: {string.Join(", ", clients.Select(c => c.BaseAddress))}");
        return clients;
    }

    public static async Task<User> SignUpAsync(this HttpClient http, CancellationToken token)
    {
        var body = await http.SendAsync(HttpMethod.Post, "/signup", null, new { email = $"graph-{Guid.NewGuid():N}@example.com", password = "correct horse battery" }, HttpStatusCode.Created, token);
        return new User(body.GetProperty("user_id").GetGuid(), body.GetProperty("token").GetString()!);
    }

    /// <summary>Sends a JSON request; asserts the status, naming the request and the answer's body when it differs.</summary>
    public static async Task<JsonElement> SendAsync(
        this HttpClient http, HttpMethod method, string path, string? bearer, object? body, HttpStatusCode expected, CancellationToken token)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body, options: s_json) };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        using var response = await http.SendAsync(request, token);
        var text = await response.Content.ReadAsStringAsync(token);
        Assert.True(expected == response.StatusCode, $"{method} {http.BaseAddress}{path.TrimStart('/')}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Reads server-sent events until one of <paramref name="type"/> arrives; returns its data envelope.</summary>
    public static async Task<JsonElement> ReadEventAsync(this StreamReader reader, string type, CancellationToken token)
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

    public static string[] Resources => ["postgres", ResourceNames.Database, ResourceNames.Cache, ResourceNames.Storage, ResourceNames.Api, ResourceNames.Worker, ResourceNames.Web];
}

/// <summary>The instances Aspire runs for a resource: one per replica.</summary>
internal static class ResourceInstances
{
    /// <summary>The current state of every instance of <paramref name="resourceName"/>, by the instance's name.</summary>
    public static async Task<IReadOnlyList<ResourceEvent>> InstancesAsync(this DistributedApplication app, string resourceName, CancellationToken token)
    {
        var resource = app.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == resourceName);
        var expected = resource.Annotations.OfType<ReplicaAnnotation>().SingleOrDefault()?.Replicas ?? 1;
        var names = new HashSet<string>(StringComparer.Ordinal);
        // The watch starts with the current state of every instance, then follows changes.
        await foreach (var update in app.ResourceNotifications.WatchAsync(token))
        {
            if (update.Resource.Name == resourceName && names.Add(update.ResourceId) && names.Count == expected)
            {
                break;
            }
        }

        return [.. names.Select(name => app.ResourceNotifications.TryGetCurrentState(name, out var state) ? state : throw new InvalidOperationException($"No state for {name}."))];
    }
}
