using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Stories.ServiceDefaults.Prometheus;

namespace Microsoft.Extensions.Hosting;

/// <summary>The Prometheus scrape endpoint over the service's OpenTelemetry metrics.</summary>
public static class PrometheusExtensions
{
    /// <summary>
    /// Maps <c>GET /metrics</c>: every metric of the service's meter provider — its own instruments and
    /// the in-box ASP.NET Core, Kestrel, HttpClient, runtime and Npgsql meters — as Prometheus text
    /// exposition 0.0.4. Anonymous, like the health endpoints: keep it off the public edge (see README, "Platform").
    /// </summary>
    public static IEndpointConventionBuilder MapPrometheusScrapingEndpoint(this IEndpointRouteBuilder app, string pattern = "/metrics") =>
        app.MapGet(pattern, Scrape).AllowAnonymous().ExcludeFromDescription();

    private static IResult Scrape(PrometheusMetricReader reader, HttpResponse response)
    {
        response.Headers.CacheControl = "no-store";
        return Results.Text(reader.Scrape(), PrometheusMetricReader.ContentType);
    }
}
