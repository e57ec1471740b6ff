using System.Diagnostics.Metrics;
using Stories.ServiceDefaults;

namespace Stories.Worker;

/// <summary>
/// The worker's instruments, on the shared <see cref="StoriesTelemetry.Name"/> meter. Names are the
/// Prometheus ones without the suffixes an exporter adds: the counter <c>stories_expired</c> is
/// scraped as <c>stories_expired_total</c>.
/// </summary>
public sealed class WorkerMetrics
{
    public WorkerMetrics(IMeterFactory meters)
    {
        // The factory owns the meter and disposes it with the container, so tests' hosts never mix.
        var meter = meters.Create(StoriesTelemetry.Name);
        StoriesExpired = meter.CreateCounter<long>("stories_expired", description: "Stories soft-deleted by the expiry sweep.");
        SweepLatency = meter.CreateHistogram<double>("worker_latency_seconds", unit: "s", description: "Duration of each successful expiry sweep.");
        StoriesPurged = meter.CreateCounter<long>("stories_purged", description: "Soft-deleted stories purged past the retention window, with their child rows.");
        IdempotencyKeysPurged = meter.CreateCounter<long>("idempotency_keys_purged", description: "Idempotency keys purged past the retention window.");
        OrphanUploadsDeleted = meter.CreateCounter<long>("orphan_uploads_deleted", description: "Uploaded objects deleted because no story references them.");
    }

    public Counter<long> StoriesExpired { get; }

    /// <summary>The counters, listed at 0 by a fresh process (see <c>AddCountersAtZero</c>).</summary>
    public void StartAtZero()
    {
        StoriesExpired.Add(0);
        StoriesPurged.Add(0);
        IdempotencyKeysPurged.Add(0);
        OrphanUploadsDeleted.Add(0);
    }

    public Histogram<double> SweepLatency { get; }

    public Counter<long> StoriesPurged { get; }

    public Counter<long> IdempotencyKeysPurged { get; }

    public Counter<long> OrphanUploadsDeleted { get; }
}
