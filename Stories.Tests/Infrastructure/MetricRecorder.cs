using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Stories.ServiceDefaults;

namespace Stories.Tests.Infrastructure;

/// <summary>
/// Records the measurements of the Stories meter created by one host's <see cref="IMeterFactory"/>
/// — other hosts running in parallel publish under the same meter name, but not in this scope.
/// </summary>
public sealed class MetricRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Name, double Value)> _measurements = new();
    private readonly ConcurrentDictionary<string, Instrument> _instruments = new();

    public MetricRecorder(IMeterFactory scope)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == StoriesTelemetry.Name && ReferenceEquals(instrument.Meter.Scope, scope))
            {
                _instruments[instrument.Name] = instrument;
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => _measurements.Enqueue((instrument.Name, value)));
        _listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => _measurements.Enqueue((instrument.Name, value)));
        _listener.Start();
    }

    public Instrument Instrument(string name) =>
        _instruments.TryGetValue(name, out var instrument) ? instrument : throw new InvalidOperationException($"No instrument '{name}' was published.");

    public IReadOnlyList<double> Values(string name) => [.. _measurements.Where(m => m.Name == name).Select(m => m.Value)];

    public double Sum(string name) => Values(name).Sum();

    /// <summary>Asks observable instruments (gauges) for their current value.</summary>
    public void Observe() => _listener.RecordObservableInstruments();

    public void Dispose() => _listener.Dispose();
}
