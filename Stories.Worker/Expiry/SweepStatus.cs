using System.Diagnostics.Metrics;
using Stories.ServiceDefaults;

namespace Stories.Worker.Expiry;

/// <summary>
/// When the last sweep succeeded: read by the health check (<see cref="SweepHealthCheck"/>) and exported
/// as the gauge <c>worker_last_success_timestamp_seconds</c>, absent until a sweep succeeds.
/// </summary>
public sealed class SweepStatus
{
    private long _lastSuccessTicks;

    public SweepStatus(TimeProvider time, IMeterFactory meters)
    {
        StartedAt = time.GetUtcNow();
        // The factory owns the meter (the shared one, see WorkerMetrics) and disposes it with the container.
        meters.Create(StoriesTelemetry.Name).CreateObservableGauge(
            "worker_last_success_timestamp_seconds",
            () => LastSuccess is { } at ? [new Measurement<double>(at.ToUnixTimeMilliseconds() / 1000.0)] : Array.Empty<Measurement<double>>(),
            unit: "s",
            description: "Unix time of the last successful expiry sweep; absent until one succeeds.");
    }

    public DateTimeOffset? LastSuccess => Interlocked.Read(ref _lastSuccessTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    internal DateTimeOffset StartedAt { get; }

    public void Succeeded(DateTimeOffset at) => Interlocked.Exchange(ref _lastSuccessTicks, at.UtcTicks);
}
