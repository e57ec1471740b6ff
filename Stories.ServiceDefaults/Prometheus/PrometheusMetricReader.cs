using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Stories.ServiceDefaults.Prometheus;

/// <summary>
/// A pull reader: nothing is exported until <see cref="Scrape"/> asks, and then the OpenTelemetry
/// SDK collects every instrument of the meter provider and hands the batch to an exporter that renders
/// it as Prometheus text on the calling thread. Cumulative temporality, as Prometheus counters and
/// histograms are cumulative. No package on the project's copy renders this format (see
/// docs/decisions/0006-own-prometheus-exporter.md).
/// </summary>
public sealed class PrometheusMetricReader : BaseExportingMetricReader
{
    /// <summary>The media type of text exposition format 0.0.4.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly Lock _scrapeLock = new();
    private readonly TextExporter _exporter;

    /// <summary>Creates a reader; add it to a meter provider (the service defaults register it in DI for that).</summary>
    public PrometheusMetricReader()
        : this(new TextExporter())
    {
    }

    private PrometheusMetricReader(TextExporter exporter)
        : base(exporter)
    {
        _exporter = exporter;
        TemporalityPreference = MetricReaderTemporalityPreference.Cumulative;
    }

    /// <summary>
    /// Collects and renders every metric now. Scrapes are serialized: the SDK's batch is only valid
    /// inside the export call, so each scrape renders under the lock into its own writer.
    /// </summary>
    public string Scrape(int timeoutMilliseconds = 5000)
    {
        lock (_scrapeLock)
        {
            var writer = new PrometheusTextWriter();
            _exporter.Target = writer;
            try
            {
                Collect(timeoutMilliseconds);
            }
            finally
            {
                _exporter.Target = null;
            }

            return writer.ToString();
        }
    }

    private sealed class TextExporter : BaseExporter<Metric>
    {
        public PrometheusTextWriter? Target { get; set; }

        public override ExportResult Export(in Batch<Metric> batch)
        {
            // A collection nobody scrapes (the provider's flush at shutdown) has nowhere to go.
            if (Target is { } writer)
            {
                foreach (var metric in batch)
                {
                    writer.Add(metric);
                }
            }

            return ExportResult.Success;
        }
    }
}
