using System.Globalization;
using Npgsql;
using Stories.Resources;

namespace Stories.Bench;

internal sealed class Arguments(Dictionary<string, string> values)
{
    public static Arguments Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            values[args[i].TrimStart('-')] = args[i + 1];
        }

        return new Arguments(values);
    }

    public string Get(string name, string? fallback = null) =>
        values.TryGetValue(name, out var value) ? value : fallback ?? throw new ArgumentException($"--{name} is required");

    public int GetInt(string name, int fallback) =>
        values.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    /// <summary>The server from <c>ConnectionStrings__storiesdb</c>, with the benchmark's own database.</summary>
    public static string ConnectionString(string database)
    {
        var baseString = Environment.GetEnvironmentVariable($"ConnectionStrings__{ResourceNames.Database}")
            ?? throw new InvalidOperationException($"ConnectionStrings__{ResourceNames.Database} is not set (eval \"$(scripts/services.sh env)\").");
        return new NpgsqlConnectionStringBuilder(baseString) { Database = database, CommandTimeout = 0, Timeout = 30 }.ConnectionString;
    }
}
