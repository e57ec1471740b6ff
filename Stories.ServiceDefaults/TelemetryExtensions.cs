using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Stories.ServiceDefaults;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// OpenTelemetry for Stories services, shaped like the Aspire service-defaults template: the hosting
/// package builds the tracer and meter providers with the host, the instrumentation packages name
/// request spans by route template, and metrics are scraped at <c>/metrics</c> by the OpenTelemetry
/// Prometheus exporter and, with <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, pushed by OTLP too.
/// </summary>
public static class TelemetryExtensions
{
    /// <summary>Meters that no instrumentation package adds: Npgsql publishes its own in-box.</summary>
    private static readonly string[] s_inBoxMeters = ["Npgsql"];

    /// <summary>
    /// True when traces, metrics and logs go out by OTLP (Aspire sets <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>).
    /// Spans of requests, queries and Redis commands are recorded only then: without an exporter they
    /// would be built for nobody, on the hottest paths.
    /// </summary>
    public static bool ExportsOtlp(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

    /// <summary>
    /// Adds the tracer and meter providers: the <see cref="StoriesTelemetry"/> source and meter, ASP.NET
    /// Core, Kestrel, HttpClient, runtime and Npgsql metrics, a Prometheus exporter for
    /// <c>/metrics</c> (mapped by <c>MapDefaultEndpoints</c>), and OTLP export of all three signals when
    /// configured (the exporter reads the standard <c>OTEL_EXPORTER_OTLP_*</c> variables itself).
    /// </summary>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] ?? builder.Environment.ApplicationName;
        var exportOtlp = ExportsOtlp(builder.Configuration);

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithMetrics(metrics =>
            {
                metrics
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddMeter(s_inBoxMeters)
                    .AddMeter(StoriesTelemetry.Name)
                    // Every scrape collects afresh (the exporter caches an answer for 300 ms by default).
                    .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0);
                ((IDeferredMeterProviderBuilder)metrics).Configure((services, configured) =>
                {
                    // Meters made by a host's IMeterFactory (ASP.NET Core's, Kestrel's, ours) belong to that host.
                    // Listening by name alone, a process running several hosts — the tests run one per class —
                    // would export every host's instruments from each of them.
                    if (services.GetService<IMeterFactory>() is { } ownMeters)
                    {
                        configured.AddView(instrument =>
                            instrument.Meter.Scope is IMeterFactory scope && !ReferenceEquals(scope, ownMeters) ? MetricStreamConfiguration.Drop : null);
                    }
                });
            })
            .WithTracing(tracing =>
            {
                // Our own spans (a sweep, a clean-up) are always recorded: they give their log lines a
                // trace_id. Request logs keep theirs either way: ASP.NET Core starts each request's
                // activity for logging without a listener.
                tracing.AddSource(StoriesTelemetry.Name);
                if (exportOtlp)
                {
                    tracing
                        .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context => !IsProbe(context.Request.Path))
                        // PostgreSQL's and Redis' spans come from their Aspire client integrations.
                        .AddHttpClientInstrumentation();
                }
            });

        if (exportOtlp)
        {
            telemetry.UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>
    /// Runs <paramref name="startAtZero"/> on <typeparamref name="TMetrics"/> as the host starts, after
    /// the meter provider began listening: a counter is exported only from its first measurement, so
    /// recording 0 then makes a fresh process's <c>/metrics</c> list it. Call after <c>AddServiceDefaults()</c>
    /// (hosted services start in the order they were added).
    /// </summary>
    public static IServiceCollection AddCountersAtZero<TMetrics>(this IServiceCollection services, Action<TMetrics> startAtZero) where TMetrics : class =>
        services.AddHostedService(provider => new CountersAtZero(() => startAtZero(provider.GetRequiredService<TMetrics>())));

    private sealed class CountersAtZero(Action startAtZero) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            startAtZero();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static bool IsProbe(Microsoft.AspNetCore.Http.PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/alive") || path.StartsWithSegments("/healthz") || path.StartsWithSegments("/metrics");
}
