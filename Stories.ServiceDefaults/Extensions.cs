using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Stories.ServiceDefaults;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every Stories service shares, in the shape of the Aspire service-defaults template: telemetry,
/// health checks, service discovery and standard resilience on every <c>HttpClient</c> — plus JSON
/// console logs, health endpoints mapped in every environment (operators probe production too) and
/// the management port that keeps them off the public one (ADR 0014).
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Adds telemetry, JSON logs, the management port, health checks, service discovery and HttpClient resilience to a service.</summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddJsonConsoleLogging();
        builder.AddManagementPort();
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });
        builder.Services.AddSingleton(TimeProvider.System);
        return builder;
    }

    /// <summary>
    /// Replaces the console log format with one JSON object per line: <c>timestamp</c>, <c>level</c>,
    /// <c>msg</c>, <c>event</c>, <c>trace_id</c>/<c>span_id</c> and every structured field in snake_case.
    /// </summary>
    public static TBuilder AddJsonConsoleLogging<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(options => options.FormatterName = JsonLogFormatter.FormatterName);
        builder.Logging.AddConsoleFormatter<JsonLogFormatter, ConsoleFormatterOptions>();
        return builder;
    }

    /// <summary>
    /// Registers a liveness check tagged <c>live</c>, and puts every other check — dependency checks are
    /// added by each service — behind one cache, so each runs at most once per
    /// <c>Management:HealthCacheDuration</c> however many health requests arrive.
    /// </summary>
    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [HealthTags.Live]);
        builder.Services.AddSingleton<HealthResultCache>();
        // After every Configure: checks registered later (by the services, by client integrations) are wrapped too.
        builder.Services.AddOptions<HealthCheckServiceOptions>().PostConfigure<HealthResultCache>((checks, cache) => cache.Wrap(checks));
        return builder;
    }

    /// <summary>
    /// Maps <c>/health</c> (every check; 503 when one is unhealthy), <c>/alive</c> (liveness only),
    /// <c>/healthz</c> (every dependency's status as JSON: 503 when unhealthy, 200 when healthy or
    /// degraded) and <c>/metrics</c> (Prometheus text from OpenTelemetry's exporter). All four are
    /// anonymous and mapped in every environment. With <c>Management:Port</c> set, all but <c>/alive</c>
    /// answer on that port only; <c>/alive</c> answers everywhere: it touches no dependency and tells no
    /// more than that the process answers, which any answer tells (ADR 0014).
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint().AllowAnonymous().ExcludeFromDescription().OnManagementPort();
        app.MapHealthChecks("/health").AllowAnonymous().OnManagementPort();
        app.MapHealthChecks("/alive", new HealthCheckOptions { Predicate = check => check.Tags.Contains(HealthTags.Live) })
            .AllowAnonymous().OnEveryPort();
        app.MapHealthChecks("/healthz", new HealthCheckOptions
        {
            Predicate = check => !check.Tags.Contains(HealthTags.Live),
            ResponseWriter = WriteHealthJsonAsync,
        }).AllowAnonymous().OnManagementPort();
        return app;
    }

    private static Task WriteHealthJsonAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        var body = new Dictionary<string, object>
        {
            ["status"] = StatusName(report.Status),
            ["checks"] = report.Entries.ToDictionary(
                entry => entry.Key,
                entry => new Dictionary<string, object?>
                {
                    ["status"] = StatusName(entry.Value.Status),
                    ["description"] = entry.Value.Description,
                    ["duration_ms"] = Math.Round(entry.Value.Duration.TotalMilliseconds, 1),
                }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body), context.RequestAborted);
    }

    private static string StatusName(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };
}

/// <summary>Tags that select which health checks an endpoint runs.</summary>
public static class HealthTags
{
    /// <summary>Checks that say the process itself is alive; they never touch a dependency.</summary>
    public const string Live = "live";
}
