using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Stories.ServiceDefaults.Prometheus;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.ServiceDefaults;

/// <summary>
/// The exporter against the OpenTelemetry SDK, without a host: known measurements in, an exposition
/// out that the independent <see cref="PrometheusText"/> parser must accept whole, then its values.
/// </summary>
public sealed class PrometheusExporterTests : IDisposable
{
    private readonly Meter _meter = new($"tests.prometheus.{Guid.NewGuid():N}");
    private readonly PrometheusMetricReader _reader = new();
    private readonly MeterProvider _provider;

    public PrometheusExporterTests()
    {
        _provider = Sdk.CreateMeterProviderBuilder().AddMeter(_meter.Name).AddReader(_reader).Build();
    }

    public void Dispose()
    {
        _provider.Dispose();
        _meter.Dispose();
    }

    [Fact]
    public void CounterGetsTheTotalSuffixAndItsLabelValuesAreEscaped()
    {
        var jobs = _meter.CreateCounter<long>("jobs_done", description: "Jobs done \\ so far\nby path.");
        const string path = "C:\\tmp\\\"quoted\"\nnext line";
        jobs.Add(2, new KeyValuePair<string, object?>("path", path));
        jobs.Add(3, new KeyValuePair<string, object?>("path", path));
        jobs.Add(1, new KeyValuePair<string, object?>("path", "plain"));

        var text = _reader.Scrape();

        var exposition = PrometheusText.Parse(text);
        var family = exposition.Families["jobs_done_total"];
        Assert.Equal("counter", family.Type);
        Assert.Equal("Jobs done \\ so far\nby path.", family.Help);
        Assert.Equal(5, exposition.Value("jobs_done_total", ("path", path)));
        Assert.Equal(1, exposition.Value("jobs_done_total", ("path", "plain")));
        Assert.Contains("jobs_done_total{path=\"C:\\\\tmp\\\\\\\"quoted\\\"\\nnext line\"} 5\n", text);
    }

    [Fact]
    public void HistogramBucketsAreCumulativeAndEndInInfinityEqualToTheCount()
    {
        var duration = _meter.CreateHistogram<double>(
            "job_duration_seconds", unit: "s", description: "Job duration.", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1, 10] });
        foreach (var seconds in new[] { 0.05, 0.5, 0.5, 5, 50 })
        {
            duration.Record(seconds, new KeyValuePair<string, object?>("queue", "mail"));
        }

        var exposition = PrometheusText.Parse(_reader.Scrape());

        Assert.Equal("histogram", exposition.Families["job_duration_seconds"].Type);
        Assert.Equal(1, exposition.Value("job_duration_seconds_bucket", ("queue", "mail"), ("le", "0.1")));
        Assert.Equal(3, exposition.Value("job_duration_seconds_bucket", ("queue", "mail"), ("le", "1")));
        Assert.Equal(4, exposition.Value("job_duration_seconds_bucket", ("queue", "mail"), ("le", "10")));
        Assert.Equal(5, exposition.Value("job_duration_seconds_bucket", ("queue", "mail"), ("le", "+Inf")));
        Assert.Equal(5, exposition.Value("job_duration_seconds_count", ("queue", "mail")));
        Assert.Equal(56.05, exposition.Value("job_duration_seconds_sum", ("queue", "mail")), precision: 9);
    }

    [Fact]
    public void InBoxNamesAreSanitizedWithTheirUnitAsSuffix()
    {
        _meter.CreateHistogram<double>("http.server.request.duration", unit: "s")
            .Record(0.2, new KeyValuePair<string, object?>("http.route", "/stories/{id}"));
        _meter.CreateCounter<long>("dotnet.gc.collections", unit: "{collection}").Add(4);
        _meter.CreateCounter<double>("dotnet.process.cpu.time", unit: "s").Add(1.5);
        _meter.CreateObservableGauge("process.memory.usage", () => 2048L, unit: "By");
        _meter.CreateObservableGauge("cache.fill", () => 0.25, unit: "1");

        var exposition = PrometheusText.Parse(_reader.Scrape());

        Assert.Equal("histogram", exposition.Families["http_server_request_duration_seconds"].Type);
        Assert.Equal(1, exposition.Value("http_server_request_duration_seconds_count", ("http_route", "/stories/{id}")));
        Assert.Equal(4, exposition.Value("dotnet_gc_collections_total"));
        Assert.Equal(1.5, exposition.Value("dotnet_process_cpu_time_seconds_total"));
        Assert.Equal(2048, exposition.Value("process_memory_usage_bytes"));
        Assert.Equal(0.25, exposition.Value("cache_fill_ratio"));
    }

    [Fact]
    public void UpDownCountersAndGaugesAreGauges()
    {
        var active = _meter.CreateUpDownCounter<long>("kestrel.active_connections", unit: "{connection}");
        active.Add(3);
        active.Add(-1);
        _meter.CreateGauge<double>("queue_depth").Record(7);

        var exposition = PrometheusText.Parse(_reader.Scrape());

        Assert.Equal("gauge", exposition.Families["kestrel_active_connections"].Type);
        Assert.Equal(2, exposition.Value("kestrel_active_connections"));
        Assert.Equal("gauge", exposition.Families["queue_depth"].Type);
        Assert.Equal(7, exposition.Value("queue_depth"));
    }

    [Fact]
    public void InstrumentsNamedWithTheirPrometheusSuffixesKeepTheirNames()
    {
        _meter.CreateCounter<long>("http_requests_total").Add(1);
        _meter.CreateHistogram<double>("http_request_duration_seconds", unit: "s").Record(0.01);

        var exposition = PrometheusText.Parse(_reader.Scrape());

        Assert.Contains("http_requests_total", exposition.Families.Keys);
        Assert.Contains("http_request_duration_seconds", exposition.Families.Keys);
        Assert.DoesNotContain(exposition.Families.Keys, name => name.Contains("seconds_seconds", StringComparison.Ordinal) || name.Contains("total_total", StringComparison.Ordinal));
    }

    [Fact]
    public void TwoMetersWithOneInstrumentNameShareOneFamily()
    {
        using var other = new Meter(_meter.Name);
        _meter.CreateCounter<long>("shared_events").Add(1, new KeyValuePair<string, object?>("source", "first"));
        other.CreateCounter<long>("shared_events").Add(2, new KeyValuePair<string, object?>("source", "second"));

        var text = _reader.Scrape();

        var exposition = PrometheusText.Parse(text);
        Assert.Equal(1, text.Split('\n').Count(line => line.StartsWith("# TYPE shared_events_total ", StringComparison.Ordinal)));
        Assert.Equal(1, exposition.Value("shared_events_total", ("source", "first")));
        Assert.Equal(2, exposition.Value("shared_events_total", ("source", "second")));
    }

    [Fact]
    public void CountersAreCumulativeAcrossScrapes()
    {
        var jobs = _meter.CreateCounter<long>("jobs_done");
        jobs.Add(2);
        _ = _reader.Scrape();
        jobs.Add(3);

        var exposition = PrometheusText.Parse(_reader.Scrape());

        Assert.Equal(5, exposition.Value("jobs_done_total"));
    }
}
