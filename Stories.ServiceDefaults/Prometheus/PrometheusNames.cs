using System.Text;

namespace Stories.ServiceDefaults.Prometheus;

/// <summary>The three kinds of metric family the exporter writes.</summary>
internal enum PrometheusType
{
    Counter,
    Gauge,
    Histogram,
}

/// <summary>
/// OpenTelemetry names and units turned into Prometheus names, after OpenTelemetry's "Prometheus
/// and OpenMetrics compatibility" rules: characters outside the grammar become <c>_</c>, the unit
/// becomes a suffix (<c>http.server.request.duration</c> in <c>s</c> →
/// <c>http_server_request_duration_seconds</c>) and counters end in <c>_total</c>. A name that already
/// carries its suffix keeps it, so our own instruments can be named with their Prometheus base name.
/// </summary>
internal static class PrometheusNames
{
    private static readonly Dictionary<string, string> s_units = new(StringComparer.Ordinal)
    {
        ["d"] = "days",
        ["h"] = "hours",
        ["min"] = "minutes",
        ["s"] = "seconds",
        ["ms"] = "milliseconds",
        ["us"] = "microseconds",
        ["ns"] = "nanoseconds",
        ["By"] = "bytes",
        ["KiBy"] = "kibibytes",
        ["MiBy"] = "mebibytes",
        ["GiBy"] = "gibibytes",
        ["KBy"] = "kilobytes",
        ["MBy"] = "megabytes",
        ["GBy"] = "gigabytes",
        ["bit"] = "bits",
        ["m"] = "meters",
        ["Hz"] = "hertz",
        ["%"] = "percent",
    };

    private static readonly Dictionary<string, string> s_perUnits = new(StringComparer.Ordinal)
    {
        ["s"] = "second",
        ["min"] = "minute",
        ["h"] = "hour",
        ["d"] = "day",
    };

    public static string MetricName(string instrumentName, string? unit, PrometheusType type)
    {
        var name = Sanitize(instrumentName, allowColon: true);
        var counter = type == PrometheusType.Counter;
        if (counter && name.EndsWith("_total", StringComparison.Ordinal) && name.Length > "_total".Length)
        {
            name = name[..^"_total".Length];
        }

        var suffix = UnitSuffix(unit, type);
        if (suffix.Length > 0 && name != suffix && !name.EndsWith("_" + suffix, StringComparison.Ordinal))
        {
            name += "_" + suffix;
        }

        return counter ? name + "_total" : name;
    }

    public static string LabelName(string key) => Sanitize(key, allowColon: false);

    /// <summary>Escapes a label value: backslash, double quote and line feed.</summary>
    public static string EscapeLabelValue(string value) =>
        value.AsSpan().IndexOfAny('\\', '"', '\n') < 0
            ? value
            : value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>Escapes HELP text: backslash and line feed (quotes are legal there).</summary>
    public static string EscapeHelp(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>
    /// <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c> for metric names, the same without <c>:</c> for labels: every
    /// other character becomes <c>_</c>, runs of <c>_</c> collapse to one, a leading digit gets a <c>_</c> before it.
    /// </summary>
    private static string Sanitize(string value, bool allowColon)
    {
        var name = new StringBuilder(value.Length + 1);
        foreach (var c in value)
        {
            var valid = char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':');
            var next = valid ? c : '_';
            if (next == '_' && name.Length > 0 && name[^1] == '_')
            {
                continue;
            }

            name.Append(next);
        }

        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            name.Insert(0, '_');
        }

        return name.ToString();
    }

    private static string UnitSuffix(string? unit, PrometheusType type)
    {
        if (string.IsNullOrWhiteSpace(unit))
        {
            return "";
        }

        // "{request}" and the like are annotations, not units: they name no suffix.
        var bare = new StringBuilder();
        var depth = 0;
        foreach (var c in unit)
        {
            depth += c == '{' ? 1 : c == '}' && depth > 0 ? -1 : 0;
            if (depth == 0 && c != '}')
            {
                bare.Append(c);
            }
        }

        var text = bare.ToString().Trim();
        if (text.Length == 0)
        {
            return "";
        }

        if (text == "1")
        {
            return type == PrometheusType.Gauge ? "ratio" : "";
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return Sanitize(s_units.GetValueOrDefault(text, text), allowColon: false).Trim('_');
        }

        var over = text[..slash];
        var per = text[(slash + 1)..];
        var perName = s_perUnits.GetValueOrDefault(per) ?? s_units.GetValueOrDefault(per, per);
        var overName = over.Length == 0 || over == "1" ? "" : s_units.GetValueOrDefault(over, over) + "_";
        return Sanitize($"{overName}per_{perName}", allowColon: false).Trim('_');
    }
}
