using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Stories.ServiceDefaults;

namespace Stories.Tests.Infrastructure;

/// <summary>
/// Records the Stories meter's measurements of one host: meters made by a host's
/// <see cref="IMeterFactory"/> carry that factory as their scope, so parallel test classes (and
/// the replicas of one test) do not see each other's measurements.
/// </summary>
public sealed class MetricRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Name, double Value, Dictionary<string, object?> Tags)> _measurements = new();
    private readonly ConcurrentDictionary<string, Instrument> _instruments = new();

    /// <summary>Every Stories instrument of the host, or only <paramref name="instrumentName"/>.</summary>
    public MetricRecorder(IMeterFactory scope, string? instrumentName = null)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == StoriesTelemetry.Name && ReferenceEquals(instrument.Meter.Scope, scope)
                && (instrumentName is null || instrument.Name == instrumentName))
            {
                _instruments[instrument.Name] = instrument;
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>One instrument of an API host.</summary>
    public MetricRecorder(StoriesApiFactory factory, string instrumentName)
        : this(factory.Services.GetRequiredService<IMeterFactory>(), instrumentName)
    {
    }

    public Instrument Instrument(string name) =>
        _instruments.TryGetValue(name, out var instrument) ? instrument : throw new InvalidOperationException($"No instrument '{name}' was published.");

    public IReadOnlyList<double> Values(string name) => [.. _measurements.Where(m => m.Name == name).Select(m => m.Value)];

    /// <summary>The sum of an instrument's measurements, or of those whose tag <paramref name="key"/> is <paramref name="value"/>.</summary>
    public double Sum(string name, string? key = null, object? value = null) =>
        _measurements
            .Where(m => m.Name == name && (key is null || (m.Tags.TryGetValue(key, out var tag) && Equals(tag, value))))
            .Sum(m => m.Value);

    /// <summary>Asks observable instruments (gauges) for their current value.</summary>
    public void Observe() => _listener.RecordObservableInstruments();

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>();
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        _measurements.Enqueue((instrument.Name, value, copy));
    }
}
