using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Stories.ServiceDefaults;
using Stories.ServiceDefaults.Prometheus;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// OpenTelemetry for Stories services. The hosting package (<c>OpenTelemetry.Extensions.Hosting</c>)
/// and the instrumentation packages are not on the project's package copy, so the tracer and meter
/// providers are built with the SDK directly, kept as DI singletons (disposed — and so flushed — at
/// shutdown) and listen to the activity sources and meters that ASP.NET Core, HttpClient, Npgsql and
/// the runtime publish in-box.
/// </summary>
public static class TelemetryExtensions
{
    /// <summary>The in-box meters every service exports, besides its own.</summary>
    public static readonly string[] InBoxMeters =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "System.Net.Http",
        "System.Runtime",
        "Npgsql",
    ];

    private static readonly string[] s_inBoxSources = ["Microsoft.AspNetCore", "System.Net.Http", "Npgsql"];

    /// <summary>
    /// Adds tracing, metrics and log export by OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the
    /// exporter reads the standard <c>OTEL_EXPORTER_OTLP_*</c> variables itself), plus the
    /// <see cref="StoriesTelemetry"/> source and meter, and a <see cref="PrometheusMetricReader"/> for
    /// <c>MapPrometheusScrapingEndpoint()</c>.
    /// </summary>
    public static TBuilder AddStoriesTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] ?? builder.Environment.ApplicationName;
        var exportOtlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

        if (exportOtlp)
        {
            builder.Logging.AddOpenTelemetry(logging =>
            {
                logging.IncludeFormattedMessage = true;
                logging.IncludeScopes = true;
                logging.SetResourceBuilder(ResourceBuilder.CreateDefault().AddService(serviceName));
                logging.AddOtlpExporter();
            });
        }

        builder.Services.AddSingleton(_ =>
        {
            // Our own spans (a sweep, a clean-up) are always recorded: they give their log lines a
            // trace_id. The in-box sources' spans (every request, query and S3 call, with their tags)
            // are recorded only when something exports them; without an exporter they would be built
            // for nobody. Request logs keep their trace_id either way: ASP.NET Core starts each
            // request's activity for logging without a listener.
            var tracing = Sdk.CreateTracerProviderBuilder()
                .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService(serviceName))
                .AddSource(StoriesTelemetry.Name);
            if (exportOtlp)
            {
                tracing.AddSource(s_inBoxSources).AddOtlpExporter();
            }

            return tracing.Build();
        });

        builder.Services.AddSingleton<PrometheusMetricReader>();
        builder.Services.AddSingleton<MetricReader>(services => services.GetRequiredService<PrometheusMetricReader>());
        builder.Services.AddSingleton(services =>
        {
            var metrics = Sdk.CreateMeterProviderBuilder()
                .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService(serviceName))
                .AddMeter(InBoxMeters)
                .AddMeter(StoriesTelemetry.Name);

            // Meters made by a host's IMeterFactory (ASP.NET Core's, Kestrel's, ours) belong to that host.
            // Listening by name alone, a process running several hosts — the tests run one per class —
            // would export every host's instruments from each of them.
            if (services.GetService<IMeterFactory>() is { } ownMeters)
            {
                metrics.AddView(instrument =>
                    instrument.Meter.Scope is IMeterFactory scope && !ReferenceEquals(scope, ownMeters) ? MetricStreamConfiguration.Drop : null);
            }

            foreach (var reader in services.GetServices<MetricReader>())
            {
                metrics.AddReader(reader);
            }

            if (exportOtlp)
            {
                metrics.AddOtlpExporter();
            }

            return metrics.Build();
        });

        // Singletons are built on first use; this makes the providers start listening with the host.
        builder.Services.AddHostedService<TelemetryStarter>();
        return builder;
    }

    private sealed class TelemetryStarter(TracerProvider tracing, MeterProvider metrics) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            GC.KeepAlive(tracing);
            GC.KeepAlive(metrics);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
