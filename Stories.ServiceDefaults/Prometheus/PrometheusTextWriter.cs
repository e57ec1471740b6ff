using System.Globalization;
using System.Text;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Stories.ServiceDefaults.Prometheus;

/// <summary>
/// Renders OpenTelemetry metrics as Prometheus text exposition 0.0.4: per family one <c># HELP</c>
/// and one <c># TYPE</c> line, then its samples; histograms as cumulative <c>_bucket{le=…}</c> lines
/// ending in <c>+Inf</c>, then <c>_sum</c> and <c>_count</c>. Samples carry no timestamp: the scraper
/// stamps them, which is what Prometheus expects of a live target.
/// </summary>
internal sealed class PrometheusTextWriter
{
    private readonly Dictionary<string, Family> _families = new(StringComparer.Ordinal);
    private readonly List<Family> _order = [];

    public void Add(Metric metric)
    {
        if (TypeOf(metric.MetricType) is not { } type)
        {
            return;
        }

        var name = PrometheusNames.MetricName(metric.Name, metric.Unit, type);
        if (!_families.TryGetValue(name, out var family))
        {
            var help = string.IsNullOrWhiteSpace(metric.Description) ? metric.Name : metric.Description;
            family = new Family(name, type, help);
            _families.Add(name, family);
            _order.Add(family);
        }
        else if (family.Type != type)
        {
            // Two kinds of instrument under one name cannot share a family; the first keeps the name.
            return;
        }

        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            var labels = Labels(point.Tags, type == PrometheusType.Histogram);
            // The same series from two meters would be a duplicate sample, which Prometheus rejects.
            if (!family.Series.Add(labels))
            {
                continue;
            }

            if (type == PrometheusType.Histogram)
            {
                WriteHistogram(family, labels, point);
            }
            else
            {
                var value = metric.MetricType switch
                {
                    MetricType.LongSum or MetricType.LongSumNonMonotonic => Format(point.GetSumLong()),
                    MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic => Format(point.GetSumDouble()),
                    MetricType.LongGauge => Format(point.GetGaugeLastValueLong()),
                    _ => Format(point.GetGaugeLastValueDouble()),
                };
                WriteSample(family.Samples, name, labels, null, value);
            }
        }
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var family in _order)
        {
            text.Append("# HELP ").Append(family.Name).Append(' ').Append(PrometheusNames.EscapeHelp(family.Help)).Append('\n');
            text.Append("# TYPE ").Append(family.Name).Append(' ').Append(TypeName(family.Type)).Append('\n');
            text.Append(family.Samples);
        }

        return text.ToString();
    }

    private static void WriteHistogram(Family family, string labels, in MetricPoint point)
    {
        var count = point.GetHistogramCount();
        long cumulative = 0;
        var wroteInfinity = false;
        foreach (var bucket in point.GetHistogramBuckets())
        {
            // OpenTelemetry counts per bucket; Prometheus buckets are cumulative ("less than or equal").
            cumulative += bucket.BucketCount;
            wroteInfinity |= double.IsPositiveInfinity(bucket.ExplicitBound);
            WriteSample(family.Samples, family.Name + "_bucket", labels, Format(bucket.ExplicitBound), Format(cumulative));
        }

        if (!wroteInfinity)
        {
            WriteSample(family.Samples, family.Name + "_bucket", labels, "+Inf", Format(count));
        }

        WriteSample(family.Samples, family.Name + "_sum", labels, null, Format(point.GetHistogramSum()));
        WriteSample(family.Samples, family.Name + "_count", labels, null, Format(count));
    }

    private static void WriteSample(StringBuilder text, string name, string labels, string? le, string value)
    {
        text.Append(name);
        if (labels.Length > 0 || le is not null)
        {
            text.Append('{').Append(labels);
            if (le is not null)
            {
                text.Append(labels.Length > 0 ? "," : "").Append("le=\"").Append(le).Append('"');
            }

            text.Append('}');
        }

        text.Append(' ').Append(value).Append('\n');
    }

    /// <summary><c>name="value",…</c> in the instrument's tag order; a name that sanitizes onto an earlier one is dropped.</summary>
    private static string Labels(ReadOnlyTagCollection tags, bool histogram)
    {
        if (tags.Count == 0)
        {
            return "";
        }

        var text = new StringBuilder();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            var name = PrometheusNames.LabelName(tag.Key);
            if ((histogram && name == "le") || !seen.Add(name))
            {
                continue;
            }

            var value = tag.Value switch
            {
                null => "",
                bool b => b ? "true" : "false",
                IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
                var other => other.ToString() ?? "",
            };
            text.Append(text.Length > 0 ? "," : "").Append(name).Append("=\"").Append(PrometheusNames.EscapeLabelValue(value)).Append('"');
        }

        return text.ToString();
    }

    private static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Format(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Monotonic sums are counters; non-monotonic sums (up-down counters) and gauges are gauges. Exponential histograms are not written.</summary>
    private static PrometheusType? TypeOf(MetricType type) => type switch
    {
        MetricType.LongSum or MetricType.DoubleSum => PrometheusType.Counter,
        MetricType.LongSumNonMonotonic or MetricType.DoubleSumNonMonotonic or MetricType.LongGauge or MetricType.DoubleGauge => PrometheusType.Gauge,
        MetricType.Histogram => PrometheusType.Histogram,
        _ => null,
    };

    private static string TypeName(PrometheusType type) => type switch
    {
        PrometheusType.Counter => "counter",
        PrometheusType.Gauge => "gauge",
        _ => "histogram",
    };

    private sealed class Family(string name, PrometheusType type, string help)
    {
        public string Name { get; } = name;

        public PrometheusType Type { get; } = type;

        public string Help { get; } = help;

        public HashSet<string> Series { get; } = new(StringComparer.Ordinal);

        public StringBuilder Samples { get; } = new();
    }
}
