using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api;

public sealed class OpenApiTests(StoriesApiFactory factory) : IClassFixture<StoriesApiFactory>
{
    /// <summary>Operational endpoints outside the API's contract document.</summary>
    private static readonly string[] s_undocumented = ["/health", "/alive", "/healthz", "/metrics", "/openapi/{documentName}.json"];

    /// <summary>The docs page and its assets (Scalar's routes), outside the document too.</summary>
    private const string DocsPrefix = "/docs";

    [Fact]
    public async Task EveryMappedRouteAndMethodAppearsInTheOpenApiDocument()
    {
        using var client = factory.CreateClient();
        var routes = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(endpoint => endpoint.Metadata.GetMetadata<HttpMethodMetadata>() is not null)
            .SelectMany(endpoint => endpoint.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods
                .Select(method => (Path: "/" + (endpoint.RoutePattern.RawText ?? "").Trim('/'), Method: method.ToLowerInvariant())))
            .Where(route => !s_undocumented.Contains(route.Path) && route.Path != DocsPrefix && !route.Path.StartsWith(DocsPrefix + "/", StringComparison.Ordinal))
            .Select(route => (Path: StripConstraints(route.Path), route.Method))
            .Distinct()
            .ToList();

        var document = await (await client.GetAsync("/openapi/v1.json")).ReadJsonAsync();

        var paths = document.GetProperty("paths");
        Assert.NotEmpty(routes);
        Assert.All(routes, route =>
        {
            Assert.True(paths.TryGetProperty(route.Path, out var item), $"{route.Path} is not in the OpenAPI document");
            Assert.True(item.TryGetProperty(route.Method, out _), $"{route.Method.ToUpperInvariant()} {route.Path} is not in the OpenAPI document");
        });
    }

    [Fact]
    public async Task DocumentedOperationsDeclareTheirProblemResponses()
    {
        using var client = factory.CreateClient();

        var document = await (await client.GetAsync("/openapi/v1.json")).ReadJsonAsync();

        var createStory = document.GetProperty("paths").GetProperty("/stories").GetProperty("post").GetProperty("responses");
        Assert.True(createStory.TryGetProperty("201", out _));
        Assert.True(createStory.TryGetProperty("400", out var badRequest));
        Assert.True(badRequest.GetProperty("content").TryGetProperty("application/problem+json", out _));
    }

    [Fact]
    public async Task ScalarIsServedAtDocsWithoutATokenAndLoadsOnlyFromThisApi()
    {
        using var client = factory.CreateClient();

        var page = await client.GetAsync("/docs/");
        var html = await page.Content.ReadAsStringAsync();
        var assets = Regex.Matches(html, "<script[^>]* src=\"([^\"]+)\"").Select(match => match.Groups[1].Value).ToList();
        var answers = new List<HttpResponseMessage>();
        foreach (var asset in assets)
        {
            answers.Add(await client.GetAsync(new Uri(new Uri(client.BaseAddress!, "/docs/"), asset)));
        }

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Scalar", await answers[0].Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(["scalar.js", "scalar.aspnetcore.js"], assets);
        Assert.All(answers, answer => Assert.Equal(HttpStatusCode.OK, answer.StatusCode));
        // The document is the one this API serves, and nothing is fetched from Scalar's CDN.
        Assert.Contains("\"url\":\"openapi/v1.json\"", html, StringComparison.Ordinal);
        Assert.Contains("\"withDefaultFonts\":false", html, StringComparison.Ordinal);
        Assert.Contains("\"telemetry\":false", html, StringComparison.Ordinal);
        Assert.DoesNotContain("cdn.", html, StringComparison.OrdinalIgnoreCase);
    }

    private static string StripConstraints(string path) =>
        Regex.Replace(path, @"\{([^}:]+)(:[^}]+)?\}", "{$1}");
}
