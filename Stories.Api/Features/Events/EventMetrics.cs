using System.Diagnostics.Metrics;
using Stories.ServiceDefaults;

namespace Stories.Api.Features.Events;

/// <summary>The event bus's instruments, on the <see cref="StoriesTelemetry.Name"/> meter.</summary>
public sealed class EventMetrics
{
    private static readonly double[] s_latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5];

    private readonly Counter<long> _published;
    private readonly Counter<long> _delivered;
    private readonly Histogram<double> _deliveryLatency;
    private readonly Counter<long> _failures;
    private readonly UpDownCounter<long> _open;
    private readonly Counter<long> _closed;
    private readonly Counter<long> _rejected;

    public EventMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(StoriesTelemetry.Name);
        _published = meter.CreateCounter<long>(
            "events_published", "{event}", "Events raised; path=redis went to every replica and the replay log, path=local to this replica only.");
        _delivered = meter.CreateCounter<long>("events_delivered", "{event}", "Events written to an open stream, replays included.");
        _deliveryLatency = meter.CreateHistogram(
            "event_delivery_latency_seconds", unit: "s",
            description: "From a live event reaching this replica (off the channel, or raised here while the subscription is down) to writing it to a stream.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_latencyBuckets });
        _failures = meter.CreateCounter<long>(
            "event_bus_failures", "{failure}", "Redis operations of the event bus that failed or timed out; operation=publish counts events other replicas and replay missed.");
        _open = meter.CreateUpDownCounter<long>("event_streams_open", "{stream}", "Open SSE and WebSocket streams on this replica.");
        _closed = meter.CreateCounter<long>("event_streams_closed", "{stream}", "Streams ended, by reason.");
        _rejected = meter.CreateCounter<long>("event_streams_rejected", "{stream}", "Streams refused because the user already holds the most allowed.");
    }

    public void Published(bool reachedRedis) => _published.Add(1, new KeyValuePair<string, object?>("path", reachedRedis ? "redis" : "local"));

    /// <summary>Counts a frame written; <paramref name="latency"/> is null for replayed ones.</summary>
    public void Delivered(string transport, TimeSpan? latency)
    {
        var tag = new KeyValuePair<string, object?>("transport", transport);
        _delivered.Add(1, tag);
        if (latency is { } elapsed)
        {
            _deliveryLatency.Record(elapsed.TotalSeconds, tag);
        }
    }

    public void Failed(string operation) => _failures.Add(1, new KeyValuePair<string, object?>("operation", operation));

    public void Opened(string transport) => _open.Add(1, new KeyValuePair<string, object?>("transport", transport));

    public void Closed(string transport, StreamCloseReason reason)
    {
        _open.Add(-1, new KeyValuePair<string, object?>("transport", transport));
        _closed.Add(1, new KeyValuePair<string, object?>("transport", transport), new KeyValuePair<string, object?>("reason", ReasonName(reason)));
    }

    public void Rejected(string transport) => _rejected.Add(1, new KeyValuePair<string, object?>("transport", transport));

    private static string ReasonName(StreamCloseReason reason) => reason switch
    {
        StreamCloseReason.ClientGone => "client_gone",
        StreamCloseReason.TokenExpired => "token_expired",
        StreamCloseReason.Overflow => "overflow",
        StreamCloseReason.ServerStopping => "server_stopping",
        _ => "other",
    };
}
