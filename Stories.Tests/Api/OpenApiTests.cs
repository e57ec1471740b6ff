using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api;

public sealed class OpenApiTests(StoriesApiFactory factory) : IClassFixture<StoriesApiFactory>
{
    /// <summary>Operational endpoints outside the API's contract document.</summary>
    private static readonly string[] s_undocumented = ["/health", "/alive", "/healthz", "/metrics", "/openapi/{documentName}.json"];

    [Fact]
    public async Task EveryMappedRouteAndMethodAppearsInTheOpenApiDocument()
    {
        using var client = factory.CreateClient();
        var routes = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(endpoint => endpoint.Metadata.GetMetadata<HttpMethodMetadata>() is not null)
            .SelectMany(endpoint => endpoint.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods
                .Select(method => (Path: "/" + (endpoint.RoutePattern.RawText ?? "").Trim('/'), Method: method.ToLowerInvariant())))
            .Where(route => !s_undocumented.Contains(route.Path))
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
    public async Task SwaggerUiIsServedAtDocs()
    {
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/docs/index.html");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("swagger", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    private static string StripConstraints(string path) =>
        System.Text.RegularExpressions.Regex.Replace(path, @"\{([^}:]+)(:[^}]+)?\}", "{$1}");
}
