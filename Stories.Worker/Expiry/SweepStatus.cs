using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Stories.Worker.Expiry;

/// <summary>When the last sweep succeeded; the worker is unhealthy when that is more than three intervals ago.</summary>
public sealed class SweepStatus(TimeProvider time)
{
    private readonly DateTimeOffset _startedAt = time.GetUtcNow();
    private long _lastSuccessTicks;

    public DateTimeOffset? LastSuccess => Interlocked.Read(ref _lastSuccessTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    public void Succeeded(DateTimeOffset at) => Interlocked.Exchange(ref _lastSuccessTicks, at.UtcTicks);

    internal DateTimeOffset StartedAt => _startedAt;
}

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
