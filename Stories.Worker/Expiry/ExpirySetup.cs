using Microsoft.Extensions.DependencyInjection.Extensions;
using Stories.Data;

namespace Stories.Worker.Expiry;

public static class ExpirySetup
{
    /// <summary>The expiry sweep, its loop, and the health checks that say whether sweeps succeed.</summary>
    public static IHostApplicationBuilder AddExpiry(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ExpiryOptions>().BindConfiguration(ExpiryOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton<SweepStatus>();
        // Shared with retention: TryAdd keeps one of each.
        builder.Services.TryAddSingleton<WorkerMetrics>();
        builder.Services.AddSingleton<ExpirySweeper>();
        builder.Services.AddHostedService<ExpiryService>();
        builder.Services.AddHealthChecks()
            .AddCheck<SweepHealthCheck>("expiry")
            .AddCheck<DatabaseHealthCheck>("database");
        return builder;
    }
}
