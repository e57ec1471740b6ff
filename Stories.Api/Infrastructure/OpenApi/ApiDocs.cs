using Scalar.AspNetCore;

namespace Stories.Api.Infrastructure.OpenApi;

public static class ApiDocs
{
    /// <summary>The docs page's path; its security headers are set apart (<see cref="Http.HttpHygiene"/>).</summary>
    public const string Path = "/docs";

    /// <summary>
    /// Scalar's API reference at <c>/docs</c> over <c>/openapi/v1.json</c>, anonymous like the document
    /// itself. Everything it loads is served from here: its bundle is embedded in the package, and the
    /// default fonts (fetched from Scalar's CDN), its telemetry, agent and MCP features and its developer
    /// toolbar (links to Scalar's services) are off, so the page loads nothing from elsewhere.
    /// </summary>
    public static IEndpointConventionBuilder MapApiDocs(this IEndpointRouteBuilder app) =>
        app.MapScalarApiReference(Path, options => options
                .WithTitle("Stories API")
                .AddDocument("v1")
                .DisableDefaultFonts()
                .DisableTelemetry()
                .DisableAgent()
                .DisableMcp()
                .HideDeveloperTools())
            .AllowAnonymous();
}
