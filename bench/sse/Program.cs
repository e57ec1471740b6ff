using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

// Issue #5's benchmark: one API process holds N SSE connections while R events/s are raised; prints
// connect time, the API's resident memory, and publish-to-receive latency percentiles. See README.md.
var options = BenchOptions.Parse(args);
var json = new JsonSerializerOptions(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
using var http = new HttpClient(new SocketsHttpHandler
{
    MaxConnectionsPerServer = int.MaxValue,
    PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
    ConnectTimeout = TimeSpan.FromSeconds(30),
})
{
    BaseAddress = options.Api,
    Timeout = Timeout.InfiniteTimeSpan,
};
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

Console.WriteLine($"setup: {options.Authors} authors with a story, {options.Fans} fans");
var authors = await Task.WhenAll(Enumerable.Range(0, options.Authors).Select(_ => SignUpAsync()));
var fans = await Task.WhenAll(Enumerable.Range(0, options.Fans).Select(_ => SignUpAsync()));
var stories = await Task.WhenAll(authors.Select(CreateStoryAsync));

// Each author's stream is measured; the rest are connections held for synthetic users (tokens minted
// with the API's signing key — /events does not look users up), five per user as the limit allows.
var latency = new LatencyRecorder();
var afterAnswer = new LatencyRecorder();
var fromPublish = new LatencyRecorder();
var measured = authors.Select((author, index) => new MeasuredAuthor(author, stories[index], latency, afterAnswer, fromPublish)).ToArray();
var fillers = options.Connections - measured.Length;
Console.WriteLine($"connect: {measured.Length} measured + {fillers} idle SSE connections");
var connectWatch = Stopwatch.StartNew();
var streams = new ConcurrentBag<Task>();
var opened = 0;
var failedToOpen = 0;
using (var gate = new SemaphoreSlim(options.ConnectConcurrency))
{
    var opens = measured.Select(author => (author.User.Token, OnLine: (Action<string>?)author.OnLine))
        .Concat(Enumerable.Range(0, fillers).Select(i => (Token: MintToken(SyntheticUser(i / 5)), OnLine: (Action<string>?)null)))
        .Select(async stream =>
        {
            await gate.WaitAsync(stop.Token);
            try
            {
                var response = await OpenStreamAsync(stream.Token);
                if (response is null)
                {
                    Interlocked.Increment(ref failedToOpen);
                    return;
                }

                Interlocked.Increment(ref opened);
                streams.Add(ReadStreamAsync(response, stream.OnLine));
            }
            finally
            {
                gate.Release();
            }
        });
    await Task.WhenAll(opens);
}

connectWatch.Stop();
Console.WriteLine($"connected: {opened} open, {failedToOpen} refused, in {connectWatch.Elapsed.TotalSeconds:F1} s");
await Task.Delay(TimeSpan.FromSeconds(5), stop.Token);
var idleRss = ResidentMegabytes(options.ApiPid);
Console.WriteLine($"rss idle: {Format(idleRss)} MB at {opened} connections");

Console.WriteLine($"load: {options.Rate} reactions/s for {options.Duration.TotalSeconds:F0} s");
var sent = 0;
var postErrors = 0;
var peakRss = idleRss;
var cpuBefore = CpuSeconds(options.ApiPid);
var gcBefore = await GcTotalsAsync();
var loadWatch = Stopwatch.StartNew();
var inFlight = new List<Task>();
var next = 0;
var lastSample = TimeSpan.Zero;
while (loadWatch.Elapsed < options.Duration && !stop.IsCancellationRequested)
{
    var due = (long)(loadWatch.Elapsed.TotalSeconds * options.Rate);
    while (sent < due)
    {
        var author = measured[next % measured.Length];
        var fan = fans[next % fans.Length];
        next++;
        sent++;
        inFlight.Add(author.ReactAsync(async () =>
        {
            using var response = await http.SendAsync(Authorized(HttpMethod.Post, $"/stories/{author.StoryId}/reactions", fan.Token, JsonContent.Create(new { emoji = "🔥" })));
            if (!response.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref postErrors);
            }

            return response.IsSuccessStatusCode;
        }));
    }

    inFlight.RemoveAll(task => task.IsCompleted);
    if (loadWatch.Elapsed - lastSample >= TimeSpan.FromSeconds(1))
    {
        lastSample = loadWatch.Elapsed;
        peakRss = Math.Max(peakRss ?? 0, ResidentMegabytes(options.ApiPid) ?? 0);
    }

    await Task.Delay(TimeSpan.FromMilliseconds(5), stop.Token);
}

await Task.WhenAll(inFlight);
var loadSeconds = loadWatch.Elapsed.TotalSeconds;
var cpuDuringLoad = CpuSeconds(options.ApiPid) - cpuBefore;
var gcAfter = await GcTotalsAsync();
var settle = Stopwatch.StartNew();
while (latency.Count < sent - postErrors && settle.Elapsed < TimeSpan.FromSeconds(5))
{
    await Task.Delay(TimeSpan.FromMilliseconds(100), stop.Token);
}

var endedEarly = streams.Count(task => task.IsCompleted);
Console.WriteLine();
Console.WriteLine($"connections held:   {opened} ({failedToOpen} refused, {endedEarly} ended early)");
Console.WriteLine($"connect time:       {connectWatch.Elapsed.TotalSeconds:F1} s");
Console.WriteLine($"api rss:            {Format(idleRss)} MB idle, {Format(peakRss)} MB peak under load");
Console.WriteLine($"api cpu:            {(cpuDuringLoad is { } cpu ? $"{cpu / loadSeconds * 100:F0} % of one core, {cpu * 1000 / Math.Max(sent, 1):F2} ms per event (request included)" : "n/a")}");
Console.WriteLine($"api gc:             {(gcBefore is { } gc0 && gcAfter is { } gc1
    ? $"{gc1.Gen0 - gc0.Gen0} gen0, {gc1.Gen1 - gc0.Gen1} gen1, {gc1.Gen2 - gc0.Gen2} gen2 collections; {(gc1.PauseSeconds - gc0.PauseSeconds) * 1000:F0} ms paused ({(gc1.PauseSeconds - gc0.PauseSeconds) / loadSeconds * 100:F1} % of the load's time)"
    : "n/a (no dotnet_gc_* on /metrics)")}");
Console.WriteLine($"events:             {sent} raised at {options.Rate}/s, {postErrors} request errors, {latency.Count} received, {sent - postErrors - latency.Count} missing");
Console.WriteLine($"publish → receive:  p50 {fromPublish.Percentile(50):F1}  p90 {fromPublish.Percentile(90):F1}  p99 {fromPublish.Percentile(99):F1}  max {fromPublish.Percentile(100):F1}  ({fromPublish.Count} events)");
Console.WriteLine("  (the event's id is Redis's clock in ms × 1,000 when the append script published it; received − that, same machine clock, ms-truncated: ≤ 1 ms high)");
Console.WriteLine($"latency (ms):       p50 {latency.Percentile(50):F1}  p90 {latency.Percentile(90):F1}  p99 {latency.Percentile(99):F1}  max {latency.Percentile(100):F1}");
Console.WriteLine("  (from sending POST /stories/{id}/reactions to reading its story.reacted on the author's stream: an upper bound)");
Console.WriteLine($"after the answer:   p50 {afterAnswer.Percentile(50):F1}  p90 {afterAnswer.Percentile(90):F1}  p99 {afterAnswer.Percentile(99):F1}  max {afterAnswer.Percentile(100):F1}");
Console.WriteLine("  (from reading the reaction's 201 to reading its event, 0 when the event came first: a lower bound)");
Console.WriteLine($"server delivery:    {await ServerDeliveryAsync("sse")}");

Console.WriteLine("  (the API's event_delivery_latency_seconds histogram over the run: from the event reaching the replica — off the channel, or raised there while the subscription is down — to written on the stream)");
await stop.CancelAsync();
foreach (var author in measured)
{
    author.Dispose();
}

return fromPublish.Count > 0 && fromPublish.Percentile(99) <= 100 ? 0 : 1;

async Task<User> SignUpAsync()
{
    var email = $"bench-{Guid.NewGuid():N}@example.com";
    var response = await http.PostAsJsonAsync("/signup", new { email, password = "bench password 123" }, json);
    // The API sheds sign-ups beyond its bcrypt queue with 503 and Retry-After; a client waits and retries.
    while (response.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter?.Delta is { } wait)
    {
        await Task.Delay(wait);
        response = await http.PostAsJsonAsync("/signup", new { email, password = "bench password 123" }, json);
    }

    response.EnsureSuccessStatusCode();
    var body = await response.Content.ReadFromJsonAsync<JsonElement>(json);
    return new User(body.GetProperty("user_id").GetGuid(), body.GetProperty("token").GetString()!);
}

async Task<Guid> CreateStoryAsync(User author)
{
    using var request = Authorized(HttpMethod.Post, "/stories", author.Token, JsonContent.Create(new { text = "bench", visibility = "public" }));
    using var response = await http.SendAsync(request);
    response.EnsureSuccessStatusCode();
    return (await response.Content.ReadFromJsonAsync<JsonElement>(json)).GetProperty("id").GetGuid();
}

async Task<HttpResponseMessage?> OpenStreamAsync(string token)
{
    using var request = Authorized(HttpMethod.Get, "/events", token, content: null);
    try
    {
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stop.Token);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        response.Dispose();
    }
    catch (HttpRequestException)
    {
        // Counted as refused.
    }

    return null;
}

async Task ReadStreamAsync(HttpResponseMessage response, Action<string>? onLine)
{
    using (response)
    {
        try
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop.Token), Encoding.UTF8, false, 1024);
            while (await reader.ReadLineAsync(stop.Token) is { } line)
            {
                onLine?.Invoke(line);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or HttpRequestException)
        {
            // Stopped, or the server dropped the stream (reported as "ended early").
        }
    }
}

HttpRequestMessage Authorized(HttpMethod method, string path, string token, HttpContent? content)
{
    var request = new HttpRequestMessage(method, path) { Content = content };
    request.Headers.Authorization = new("Bearer", token);
    return request;
}

string MintToken(Guid userId)
{
    static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    var header = Base64Url("""{"alg":"HS256","typ":"JWT"}"""u8.ToArray());
    var payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
    {
        ["sub"] = userId.ToString(),
        ["iss"] = options.Issuer,
        ["aud"] = options.Audience,
        ["iat"] = now,
        ["nbf"] = now,
        ["exp"] = now + 7200,
    }));
    var signature = Base64Url(HMACSHA256.HashData(Encoding.UTF8.GetBytes(options.SigningKey), Encoding.ASCII.GetBytes($"{header}.{payload}")));
    return $"{header}.{payload}.{signature}";
}

static Guid SyntheticUser(int index) => new(index, 0xbe, 0x4c, 0, 0, 0, 0, 0, 0, 0, 0);

// Percentiles from the API's own histogram, as the upper bound of the bucket they fall in.
async Task<string> ServerDeliveryAsync(string transport)
{
    string text;
    try
    {
        text = await http.GetStringAsync("/metrics");
    }
    catch (HttpRequestException exception)
    {
        return $"n/a ({exception.Message})";
    }

    var buckets = new SortedDictionary<double, double>();
    foreach (var line in text.Split('\n'))
    {
        if (!line.StartsWith("event_delivery_latency_seconds_bucket{", StringComparison.Ordinal) || !line.Contains($"transport=\"{transport}\"", StringComparison.Ordinal))
        {
            continue;
        }

        var le = line[(line.IndexOf("le=\"", StringComparison.Ordinal) + 4)..];
        le = le[..le.IndexOf('"', StringComparison.Ordinal)];
        var bound = le == "+Inf" ? double.PositiveInfinity : double.Parse(le, CultureInfo.InvariantCulture);
        buckets[bound] = buckets.GetValueOrDefault(bound) + double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }

    if (buckets.Count == 0 || buckets.Last().Value == 0)
    {
        return "n/a (no event_delivery_latency_seconds on /metrics)";
    }

    var total = buckets.Last().Value;
    string At(double percent) =>
        buckets.First(bucket => bucket.Value >= percent / 100 * total).Key is var bound && double.IsPositiveInfinity(bound)
            ? "> largest bucket"
            : $"≤ {bound * 1000:F1}";
    return $"p50 {At(50)}  p90 {At(90)}  p99 {At(99)} ms  ({total:F0} deliveries)";
}

// The runtime's GC counters from the API's /metrics (the System.Runtime meter): collections per generation, total pause time.
async Task<GcTotals?> GcTotalsAsync()
{
    string text;
    try
    {
        text = await http.GetStringAsync("/metrics");
    }
    catch (HttpRequestException)
    {
        return null;
    }

    // A sample line is `name{labels} value [timestamp]`; the exporter adds labels of its own (otel_scope_name…).
    double Sum(string name, string? label = null) => text.Split('\n')
        .Where(line => line.StartsWith(name, StringComparison.Ordinal) && line.Length > name.Length && line[name.Length] is '{' or ' ')
        .Where(line => label is null || line.Contains(label, StringComparison.Ordinal))
        .Sum(line => double.Parse(line[(line.IndexOf(' ', Math.Max(line.IndexOf('}'), 0)) + 1)..].Split(' ')[0], CultureInfo.InvariantCulture));
    return text.Contains("dotnet_gc_pause_time_seconds_total", StringComparison.Ordinal)
        ? new GcTotals(
            Sum("dotnet_gc_collections_total", "gc_heap_generation=\"gen0\""),
            Sum("dotnet_gc_collections_total", "gc_heap_generation=\"gen1\""),
            Sum("dotnet_gc_collections_total", "gc_heap_generation=\"gen2\""),
            Sum("dotnet_gc_pause_time_seconds_total"))
        : null;
}

// utime + stime of the process, from /proc/<pid>/stat (fields 14 and 15, in clock ticks of 1/100 s).
static double? CpuSeconds(int? pid)
{
    if (pid is null || !File.Exists($"/proc/{pid}/stat"))
    {
        return null;
    }

    var stat = File.ReadAllText($"/proc/{pid}/stat");
    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    return (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / 100;
}

static double? ResidentMegabytes(int? pid)
{
    if (pid is null || !File.Exists($"/proc/{pid}/status"))
    {
        return null;
    }

    var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
    return line is null ? null : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
}

static string Format(double? megabytes) => megabytes is { } value ? value.ToString("F0", CultureInfo.InvariantCulture) : "n/a";

internal sealed record User(Guid Id, string Token);

internal sealed record GcTotals(double Gen0, double Gen1, double Gen2, double PauseSeconds);

/// <summary>
/// An author whose stream is timed. Reactions to their story go out one at a time (so the API raises
/// their events in sending order), each stamped when sent and when answered, and matched first-in
/// first-out with the <c>story.reacted</c> lines that arrive. The API raises the event between the
/// two stamps, so received − sent is an upper bound of publish-to-receive and received − answered
/// (0 when the event came first) a lower bound.
/// </summary>
internal sealed class MeasuredAuthor(User user, Guid storyId, LatencyRecorder fromSent, LatencyRecorder fromAnswered, LatencyRecorder fromPublish) : IDisposable
{
    private bool _reactedIdNext;

    private readonly SemaphoreSlim _oneAtATime = new(1);
    private readonly LinkedList<Attempt> _awaitingEvent = new();
    private readonly Lock _lock = new();

    public User User => user;

    public Guid StoryId => storyId;

    public async Task ReactAsync(Func<Task<bool>> post)
    {
        await _oneAtATime.WaitAsync();
        var attempt = new Attempt(Stopwatch.GetTimestamp());
        lock (_lock)
        {
            _awaitingEvent.AddLast(attempt);
        }

        try
        {
            var succeeded = await post();
            lock (_lock)
            {
                if (!succeeded)
                {
                    // Sends are one at a time, so the newest attempt is this one: no event will answer it.
                    _awaitingEvent.Remove(attempt);
                    return;
                }

                attempt.AnsweredAt = Stopwatch.GetTimestamp();
                RecordIfComplete(attempt);
            }
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    public void Dispose() => _oneAtATime.Dispose();

    public void OnLine(string line)
    {
        // "event:" comes first, then "id:": the id of a story.reacted is its publish time (see EventLog).
        if (_reactedIdNext && line.StartsWith("id: ", StringComparison.Ordinal))
        {
            _reactedIdNext = false;
            var receivedMs = (DateTimeOffset.UtcNow.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / (double)TimeSpan.TicksPerMillisecond;
            var publishedMs = long.Parse(line.AsSpan(4), CultureInfo.InvariantCulture) / 1000;
            fromPublish.Record(TimeSpan.FromMilliseconds(Math.Max(0, receivedMs - publishedMs)));
            return;
        }

        if (!line.StartsWith("event: story.reacted", StringComparison.Ordinal))
        {
            return;
        }

        _reactedIdNext = true;

        var now = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            if (_awaitingEvent.First is { } first)
            {
                _awaitingEvent.RemoveFirst();
                first.Value.ReceivedAt = now;
                RecordIfComplete(first.Value);
            }
        }
    }

    private void RecordIfComplete(Attempt attempt)
    {
        if (attempt is { AnsweredAt: { } answered, ReceivedAt: { } received })
        {
            fromSent.Record(Stopwatch.GetElapsedTime(attempt.SentAt, received));
            fromAnswered.Record(received > answered ? Stopwatch.GetElapsedTime(answered, received) : TimeSpan.Zero);
        }
    }

    private sealed class Attempt(long sentAt)
    {
        public long SentAt { get; } = sentAt;

        public long? AnsweredAt { get; set; }

        public long? ReceivedAt { get; set; }
    }
}

internal sealed class LatencyRecorder
{
    private readonly ConcurrentBag<double> _milliseconds = [];

    public int Count => _milliseconds.Count;

    public void Record(TimeSpan elapsed) => _milliseconds.Add(elapsed.TotalMilliseconds);

    public double Percentile(double percent)
    {
        var sorted = _milliseconds.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}

internal sealed record BenchOptions(
    Uri Api, string SigningKey, string Issuer, string Audience, int Connections, int Rate, TimeSpan Duration, int Authors, int Fans, int ConnectConcurrency, int? ApiPid)
{
    public static BenchOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            values[args[i].TrimStart('-')] = args[i + 1];
        }

        string Get(string name, string fallback) => values.TryGetValue(name, out var value) ? value : fallback;
        int Int(string name, int fallback) => int.Parse(Get(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        return new BenchOptions(
            new Uri(Get("api", "http://127.0.0.1:5080")),
            values.TryGetValue("signing-key", out var key) ? key : throw new ArgumentException("--signing-key (the API's Jwt__SigningKey) is required to mint tokens for idle connections."),
            Get("issuer", "stories"),
            Get("audience", "stories-clients"),
            Int("connections", 10_000),
            Int("rate", 500),
            TimeSpan.FromSeconds(Int("duration", 60)),
            Int("authors", 100),
            Int("fans", 20),
            Int("connect-concurrency", 200),
            values.TryGetValue("api-pid", out var pid) ? int.Parse(pid, CultureInfo.InvariantCulture) : null);
    }
}
