using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.ServiceDefaults;

/// <summary>
/// What the Aspire dashboard shows of a request: one trace whose server span is named by its route
/// template, with the PostgreSQL, Redis and storage calls the request made beneath it.
/// </summary>
public sealed class TracingTests(TracingTests.TracedApiFactory factory) : IClassFixture<TracingTests.TracedApiFactory>
{
    [Fact]
    public async Task AStoryWithMediaIsOneTraceFromItsRouteThroughPostgreSqlRedisAndStorage()
    {
        var author = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(author);
        var mediaKey = await client.UploadAsync(MediaApiExtensions.RandomBytes());
        using var recorder = new SpanRecorder();
        var storagePort = new Uri(factory.PublicEndpoint).Port;

        Activity root;
        using (root = SpanRecorder.Source.StartActivity("client")!)
        {
            var response = await client.PostJsonAsync("/stories", new { text = "traced", media_key = mediaKey, visibility = "public" });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        // Spans stop as their work ends, and Redis' are made from its profiler's sessions in batches.
        var spans = await recorder.WaitForAsync(root.TraceId, spans =>
            spans.Any(span => span.Kind == ActivityKind.Server) &&
            spans.Any(span => span.Source.Name == "Npgsql") &&
            spans.Any(span => span.Source.Name.Contains("Redis", StringComparison.Ordinal)) &&
            spans.Any(span => IsStorageCall(span, storagePort)));

        var server = Assert.Single(spans, span => span.Kind == ActivityKind.Server);
        // The route template as ASP.NET Core spells it for MapGroup("/stories").MapPost(""): no ids, so
        // the dashboard groups every story creation under one name.
        Assert.Equal("/stories/", server.GetTagItem("http.route"));
        Assert.Equal("POST /stories/", server.DisplayName);
        var underServer = spans.Where(span => IsBeneath(span, server, spans)).ToList();
        Assert.Contains(underServer, span => span.Source.Name == "Npgsql");
        Assert.Contains(underServer, span => span.Source.Name.Contains("Redis", StringComparison.Ordinal));
        Assert.Contains(underServer, span => IsStorageCall(span, storagePort));
    }

    [Fact]
    public async Task AClientsTraceparentIsTheTraceOfTheRequestsSpanAndOfItsLogLines()
    {
        var author = await factory.SignUpAsync();
        using var recorder = new SpanRecorder();
        var traceId = ActivityTraceId.CreateRandom();
        var clientSpanId = ActivitySpanId.CreateRandom();
        using var client = factory.CreateClientOfAnotherProcess();
        using var create = new HttpRequestMessage(HttpMethod.Post, "/stories")
        {
            Content = JsonContent.Create(new { text = "from elsewhere", visibility = "public" }),
            Headers = { Authorization = new("Bearer", author.Token) },
        };
        create.Headers.Add("traceparent", $"00-{traceId.ToHexString()}-{clientSpanId.ToHexString()}-01");

        var story = (await (await client.SendAsync(create)).ReadJsonAsync()).GetProperty("id").GetGuid();

        var spans = await recorder.WaitForAsync(traceId, spans => spans.Any(span => span.Kind == ActivityKind.Server));
        var server = Assert.Single(spans, span => span.Kind == ActivityKind.Server);
        Assert.Equal(clientSpanId, server.ParentSpanId);
        var created = Assert.Single(factory.Logs.Events("story_created"), e => e.GetProperty("story_id").GetString() == story.ToString());
        Assert.Equal(traceId.ToHexString(), created.GetProperty("trace_id").GetString());
    }

    private static bool IsStorageCall(Activity span, int storagePort) =>
        span.Source.Name == "System.Net.Http" && span.GetTagItem("server.port") is int port && port == storagePort;

    private static bool IsBeneath(Activity span, Activity ancestor, IReadOnlyList<Activity> spans)
    {
        var bySpanId = spans.ToDictionary(candidate => candidate.SpanId);
        for (var parent = span.ParentSpanId; bySpanId.TryGetValue(parent, out var next); parent = next.ParentSpanId)
        {
            if (next == ancestor)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Spans are recorded only where they are exported (ADR 0013): this API is given an OTLP endpoint,
    /// where nothing listens; the test reads the spans in process.
    /// </summary>
    public sealed class TracedApiFactory : StorageApiFactory
    {
        public TracedApiFactory()
        {
            WithSetting("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9");
            WithSetting("OTEL_EXPORTER_OTLP_TIMEOUT", "500");
        }
    }

    /// <summary>Every span that stops in this process while it lives, of any source.</summary>
    private sealed class SpanRecorder : IDisposable
    {
        public static readonly ActivitySource Source = new("Stories.Tests.Tracing");

        private readonly ConcurrentQueue<Activity> _stopped = new();
        private readonly ActivityListener _listener;

        public SpanRecorder()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = _ => true,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = _stopped.Enqueue,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public async Task<IReadOnlyList<Activity>> WaitForAsync(ActivityTraceId traceId, Func<IReadOnlyList<Activity>, bool> complete)
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (true)
            {
                var spans = _stopped.Where(span => span.TraceId == traceId).ToList();
                if (complete(spans) || deadline.IsCancellationRequested)
                {
                    return spans;
                }

                await Task.Delay(100, CancellationToken.None);
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
