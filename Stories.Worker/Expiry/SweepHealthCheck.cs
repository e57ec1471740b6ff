using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Stories.Worker.Expiry;

/// <summary>The worker is unhealthy when no sweep has succeeded for more than three intervals.</summary>
internal sealed class SweepHealthCheck(SweepStatus status, IOptions<ExpiryOptions> options, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var allowed = options.Value.SweepInterval * 3;
        var since = status.LastSuccess ?? status.StartedAt;
        var age = time.GetUtcNow() - since;
        return Task.FromResult(age <= allowed
            ? HealthCheckResult.Healthy($"Last successful sweep: {status.LastSuccess?.ToString("O") ?? "none yet"}.")
            : HealthCheckResult.Unhealthy($"No sweep has succeeded for {age.TotalSeconds:F0} s (allowed: {allowed.TotalSeconds:F0} s)."));
    }
}
