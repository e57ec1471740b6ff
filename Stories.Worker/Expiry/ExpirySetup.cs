using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Stories.Worker.Expiry;

public static class ExpirySetup
{
    /// <summary>The expiry sweep, its loop, its status (health check and last-success gauge).</summary>
    public static IHostApplicationBuilder AddExpiry(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ExpiryOptions>().BindConfiguration(ExpiryOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<SweepStatus>();
        // Shared with retention: TryAdd keeps one.
        builder.Services.TryAddSingleton<WorkerMetrics>();
        builder.Services.AddSingleton<ExpirySweeper>();
        builder.Services.AddHostedService<ExpiryService>();
        builder.Services.AddHealthChecks().AddCheck<SweepHealthCheck>("expiry");
        return builder;
    }
}
