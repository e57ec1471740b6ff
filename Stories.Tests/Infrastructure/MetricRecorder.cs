using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Stories.ServiceDefaults;

namespace Stories.Tests.Infrastructure;

/// <summary>
/// Records one of the API's own instruments, for one host only: meters made by a host's
/// <see cref="IMeterFactory"/> carry that factory as their scope, so parallel test classes (and the
/// two replicas of one test) do not see each other's measurements.
/// </summary>
public sealed class MetricRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(long Value, Dictionary<string, object?> Tags)> _measurements = new();

    public MetricRecorder(StoriesApiFactory factory, string instrumentName)
    {
        var scope = factory.Services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == StoriesTelemetry.Name && instrument.Name == instrumentName && ReferenceEquals(instrument.Meter.Scope, scope))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var copy = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                copy[tag.Key] = tag.Value;
            }

            _measurements.Enqueue((value, copy));
        });
        _listener.Start();
    }

    /// <summary>The sum of the measurements, or of those whose tag <paramref name="key"/> is <paramref name="value"/>.</summary>
    public long Sum(string? key = null, object? value = null) =>
        _measurements
            .Where(measurement => key is null || (measurement.Tags.TryGetValue(key, out var tag) && Equals(tag, value)))
            .Sum(measurement => measurement.Value);

    public void Dispose() => _listener.Dispose();
}
