using System.Globalization;
using System.Text;

namespace Stories.Tests.Infrastructure;

public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

public sealed record PrometheusFamily(string Name, string Type, string? Help, IReadOnlyList<PrometheusSample> Samples);

/// <summary>
/// A strict parser of Prometheus text exposition 0.0.4, written from the format's description rather
/// than from the exporter, so the two cannot share a mistake. <see cref="Parse"/> throws
/// <see cref="FormatException"/> (with the line number) unless the whole text is valid: metric and
/// label name grammar, label value escaping, one HELP and one TYPE per family, TYPE before the
/// family's samples, each family's samples together, no duplicate series, counters non-negative, and
/// histograms with <c>le</c> buckets increasing and cumulative, ending in <c>+Inf</c> equal to <c>_count</c>.
/// </summary>
public sealed class PrometheusText
{
    private static readonly string[] s_types = ["counter", "gauge", "histogram", "summary", "untyped"];

    private PrometheusText(IReadOnlyDictionary<string, PrometheusFamily> families) => Families = families;

    public IReadOnlyDictionary<string, PrometheusFamily> Families { get; }

    /// <summary>The sum of the samples named <paramref name="name"/> whose labels include all of <paramref name="labels"/>; 0 when none.</summary>
    public double Value(string name, params (string Name, string Value)[] labels) =>
        Samples(name, labels).Sum(sample => sample.Value);

    public IEnumerable<PrometheusSample> Samples(string name, params (string Name, string Value)[] labels) =>
        Families.Values.SelectMany(family => family.Samples)
            .Where(sample => sample.Name == name && labels.All(label => sample.Labels.TryGetValue(label.Name, out var value) && value == label.Value));

    public static PrometheusText Parse(string text)
    {
        if (text.Length > 0 && !text.EndsWith('\n'))
        {
            throw new FormatException("The exposition does not end with a line feed.");
        }

        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var helps = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new Dictionary<string, List<PrometheusSample>>(StringComparer.Ordinal);
        var series = new HashSet<string>(StringComparer.Ordinal);
        var closed = new HashSet<string>(StringComparer.Ordinal);
        string? current = null;
        var lines = text.Split('\n');
        for (var index = 0; index < lines.Length - 1; index++)
        {
            var line = lines[index];
            var number = index + 1;
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith("# HELP ", StringComparison.Ordinal) || line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var rest = line[7..];
                var space = rest.IndexOf(' ', StringComparison.Ordinal);
                var name = space < 0 ? rest : rest[..space];
                var argument = space < 0 ? "" : rest[(space + 1)..];
                RequireMetricName(name, number);
                Enter(name, number);
                if (line[2] == 'H')
                {
                    Require(helps.TryAdd(name, UnescapeHelp(argument, number)), number, $"a second HELP line for {name}");
                }
                else
                {
                    Require(s_types.Contains(argument), number, $"unknown type '{argument}'");
                    Require(types.TryAdd(name, argument), number, $"a second TYPE line for {name}");
                    Require(!samples.ContainsKey(name), number, $"TYPE of {name} after its samples");
                }

                continue;
            }

            if (line[0] == '#')
            {
                continue;
            }

            var sample = ParseSample(line, number);
            var family = FamilyOf(sample.Name, types) ?? throw new FormatException($"Line {number}: sample {sample.Name} has no TYPE line before it.");
            Enter(family, number);
            var key = sample.Name + "{" + string.Join(",", sample.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) + "}";
            Require(series.Add(key), number, $"duplicate series {key}");
            if (types[family] == "counter")
            {
                Require(sample.Value >= 0, number, "a negative counter");
            }

            if (!samples.TryGetValue(family, out var list))
            {
                samples[family] = list = [];
            }

            list.Add(sample);
        }

        var families = types.ToDictionary(
            type => type.Key,
            type => new PrometheusFamily(type.Key, type.Value, helps.GetValueOrDefault(type.Key), samples.GetValueOrDefault(type.Key) ?? []),
            StringComparer.Ordinal);
        foreach (var family in families.Values.Where(f => f.Type == "histogram"))
        {
            CheckHistogram(family);
        }

        return new PrometheusText(families);

        // Each family's lines must be contiguous: once another family starts, an earlier one is closed.
        void Enter(string family, int number)
        {
            if (current == family)
            {
                return;
            }

            Require(!closed.Contains(family), number, $"lines of {family} are not together");
            if (current is not null)
            {
                closed.Add(current);
            }

            current = family;
        }
    }

    private static string? FamilyOf(string sampleName, Dictionary<string, string> types)
    {
        if (types.ContainsKey(sampleName))
        {
            return sampleName;
        }

        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (sampleName.EndsWith(suffix, StringComparison.Ordinal)
                && types.TryGetValue(sampleName[..^suffix.Length], out var type) && type is "histogram" or "summary")
            {
                return sampleName[..^suffix.Length];
            }
        }

        return null;
    }

    private static void CheckHistogram(PrometheusFamily family)
    {
        var byLabels = family.Samples.GroupBy(sample => string.Join(",", sample.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")));
        foreach (var group in byLabels)
        {
            var where = $"{family.Name}{{{group.Key}}}";
            var buckets = group.Where(s => s.Name == family.Name + "_bucket").ToList();
            var count = group.SingleOrDefault(s => s.Name == family.Name + "_count") ?? throw new FormatException($"{where} has no _count.");
            _ = group.SingleOrDefault(s => s.Name == family.Name + "_sum") ?? throw new FormatException($"{where} has no _sum.");
            if (buckets.Count == 0)
            {
                throw new FormatException($"{where} has no buckets.");
            }

            var previousBound = double.NegativeInfinity;
            var previousCount = 0.0;
            foreach (var bucket in buckets)
            {
                if (!bucket.Labels.TryGetValue("le", out var le))
                {
                    throw new FormatException($"{where} has a bucket without le.");
                }

                var bound = ParseFloat(le) ?? throw new FormatException($"{where} has le=\"{le}\", not a number.");
                if (bound <= previousBound)
                {
                    throw new FormatException($"{where}: le={le} does not increase.");
                }

                if (bucket.Value < previousCount)
                {
                    throw new FormatException($"{where}: bucket le={le} holds {bucket.Value} < {previousCount}; buckets must be cumulative.");
                }

                previousBound = bound;
                previousCount = bucket.Value;
            }

            if (!double.IsPositiveInfinity(previousBound))
            {
                throw new FormatException($"{where}: the last bucket is not le=\"+Inf\".");
            }

            if (previousCount != count.Value)
            {
                throw new FormatException($"{where}: the +Inf bucket ({previousCount}) differs from _count ({count.Value}).");
            }
        }
    }

    private static PrometheusSample ParseSample(string line, int number)
    {
        var position = 0;
        while (position < line.Length && (char.IsAsciiLetterOrDigit(line[position]) || line[position] is '_' or ':'))
        {
            position++;
        }

        var name = line[..position];
        RequireMetricName(name, number);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (position < line.Length && line[position] == '{')
        {
            position++;
            while (true)
            {
                Require(position < line.Length, number, "labels never close");
                if (line[position] == '}')
                {
                    break;
                }

                var start = position;
                while (position < line.Length && (char.IsAsciiLetterOrDigit(line[position]) || line[position] == '_'))
                {
                    position++;
                }

                var label = line[start..position];
                Require(IsLabelName(label), number, $"bad label name '{label}'");
                Require(!label.StartsWith("__", StringComparison.Ordinal), number, $"reserved label name '{label}'");
                Require(position + 1 < line.Length && line[position] == '=' && line[position + 1] == '"', number, $"label {label} without =\"");
                position += 2;
                var value = new StringBuilder();
                while (true)
                {
                    Require(position < line.Length, number, $"label {label} value never closes");
                    var c = line[position++];
                    if (c == '"')
                    {
                        break;
                    }

                    if (c == '\\')
                    {
                        Require(position < line.Length, number, "a backslash at the end of the line");
                        value.Append(line[position++] switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            var other => throw new FormatException($"Line {number}: invalid escape \\{other} in label {label}."),
                        });
                    }
                    else
                    {
                        value.Append(c);
                    }
                }

                Require(labels.TryAdd(label, value.ToString()), number, $"label {label} twice");
                Require(position < line.Length, number, "labels never close");
                if (line[position] == ',')
                {
                    position++;
                }
                else
                {
                    Require(line[position] == '}', number, "labels must be separated by commas");
                }
            }

            position++;
        }

        Require(position < line.Length && line[position] == ' ', number, "no space before the value");
        var fields = line[(position + 1)..].Split(' ');
        Require(fields.Length is 1 or 2, number, "a sample is name, labels, value and an optional timestamp");
        var parsed = ParseFloat(fields[0]);
        Require(parsed is not null, number, $"value '{fields[0]}' is not a float");
        if (fields.Length == 2)
        {
            Require(long.TryParse(fields[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _), number, "the timestamp is not an integer");
        }

        return new PrometheusSample(name, labels, parsed!.Value);
    }

    private static double? ParseFloat(string text) => text switch
    {
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) => value,
        _ => null,
    };

    private static string UnescapeHelp(string help, int number)
    {
        var text = new StringBuilder();
        for (var i = 0; i < help.Length; i++)
        {
            if (help[i] != '\\')
            {
                text.Append(help[i]);
                continue;
            }

            Require(i + 1 < help.Length && help[i + 1] is '\\' or 'n', number, "invalid escape in HELP");
            text.Append(help[++i] == 'n' ? '\n' : '\\');
        }

        return text.ToString();
    }

    private static void RequireMetricName(string name, int number) =>
        Require(name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':'), number, $"bad metric name '{name}'");

    private static bool IsLabelName(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static void Require(bool condition, int number, string problem)
    {
        if (!condition)
        {
            throw new FormatException($"Line {number}: {problem}.");
        }
    }
}
