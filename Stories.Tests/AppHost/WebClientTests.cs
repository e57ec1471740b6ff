using System.Net;
using System.Text.Json;
using Aspire.Hosting;
using Stories.AppHost.Tests.Infrastructure;
using Stories.Resources;

namespace Stories.AppHost.Tests;

/// <summary>The reference web client as the AppHost wires it: served, pointed at the API, allowed by it.</summary>
[Collection(SharedGraph.Name)]
public sealed class WebClientTests(StoriesGraph graph)
{
    [ContainerRuntimeFact]
    public async Task TheWebClientFindsTheApiThroughServiceDiscoveryAndTheApiAllowsItsOrigin()
    {
        using var cancellation = new CancellationTokenSource(GraphApi.RequestTimeout);
        var token = cancellation.Token;
        using var web = graph.App.CreateHttpClient(ResourceNames.Web, "http");
        var webOrigin = web.BaseAddress!.GetLeftPart(UriPartial.Authority);

        using var page = await web.GetAsync("/", token);
        var config = JsonDocument.Parse(await web.GetStringAsync("/config.json", token)).RootElement;
        var apiAddress = config.EnumerateObject().Single().Value.GetString()!;
        using var api = new HttpClient { BaseAddress = new Uri(apiAddress), Timeout = GraphApi.RequestTimeout };
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/feed");
        preflight.Headers.Add("Origin", webOrigin);
        preflight.Headers.Add("Access-Control-Request-Method", "GET");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization");
        using var allowed = await api.SendAsync(preflight, token);
        using var health = await api.GetAsync("/alive", token);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.True(allowed.Headers.TryGetValues("Access-Control-Allow-Origin", out var origins), $"The API's preflight answer names no allowed origin ({(int)allowed.StatusCode}).");
        Assert.Equal(webOrigin, Assert.Single(origins));
    }
}
