using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Stories.Bench;

/// <summary>
/// One client, one request at a time: the latency of a single caller, without queueing from
/// concurrency (that belongs to the throughput benchmarks). Callers are random seeded users with
/// real signed tokens; each feed request is followed by the next page through its cursor.
/// </summary>
internal static class LatencyProbe
{
    public static async Task<int> RunAsync(Arguments args)
    {
        var requests = args.GetInt("requests", 500);
        var label = args.Get("label", "");
        var tokens = BenchTokens.Mint(args, await BenchTokens.UsersAsync(args.Get("db"), 500, shuffled: true));
        using var http = new HttpClient { BaseAddress = new Uri(args.Get("api")), Timeout = TimeSpan.FromSeconds(30) };

        var first = new List<double>();
        var next = new List<double>();
        var search = new List<double>();
        var errors = 0;
        var random = new Random(42);
        for (var i = -args.GetInt("warmup", 50); i < requests; i++)
        {
            var token = tokens[random.Next(tokens.Count)];
            var (feedMs, feedBody, feedOk) = await TimeAsync(http, token, "/feed?limit=20");
            var cursor = feedOk ? JsonDocument.Parse(feedBody).RootElement.GetProperty("next_cursor").GetString() : null;
            var (nextMs, _, nextOk) = cursor is null ? (0, "", true) : await TimeAsync(http, token, $"/feed?limit=20&cursor={cursor}");
            var (searchMs, _, searchOk) = await TimeAsync(http, token, $"/search?q=w{random.Next(3000)}&limit=20");
            if (i < 0)
            {
                continue; // warm-up: JIT, connection pools, PostgreSQL caches
            }

            errors += (feedOk ? 0 : 1) + (nextOk ? 0 : 1) + (searchOk ? 0 : 1);
            first.Add(feedMs);
            if (cursor is not null)
            {
                next.Add(nextMs);
            }

            search.Add(searchMs);
        }

        Console.WriteLine(Row(label, "GET /feed (first page)", first, errors));
        Console.WriteLine(Row(label, "GET /feed (next page)", next, 0));
        Console.WriteLine(Row(label, "GET /search", search, 0));
        return errors == 0 ? 0 : 1;
    }

    private static async Task<(double Ms, string Body, bool Ok)> TimeAsync(HttpClient http, string token, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var clock = Stopwatch.StartNew();
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return (clock.Elapsed.TotalMilliseconds, body, response.IsSuccessStatusCode);
    }

    private static string Row(string label, string what, List<double> samples, int errors)
    {
        samples.Sort();
        string P(double p) => samples.Count == 0 ? "–" : samples[Math.Min(samples.Count - 1, (int)Math.Ceiling(p * samples.Count) - 1)].ToString("F1", CultureInfo.InvariantCulture);
        return $"| {label} | {what} | {samples.Count} | {P(0.50)} | {P(0.95)} | {P(0.99)} | {errors} |";
    }
}
