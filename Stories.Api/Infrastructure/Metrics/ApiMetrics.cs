using System.Diagnostics;
using System.Diagnostics.Metrics;
using Stories.ServiceDefaults;

namespace Stories.Api.Infrastructure.Metrics;

/// <summary>
/// The API's own instruments, on the <see cref="StoriesTelemetry.Name"/> meter: exported at
/// <c>/metrics</c> and, when configured, by OTLP. Instrument names are the Prometheus base names
/// (<c>stories_created</c> is scraped as <c>stories_created_total</c>). The meter comes from the host's
/// <see cref="IMeterFactory"/>, so it belongs to this host and is disposed with it.
/// </summary>
public sealed class ApiMetrics
{
    /// <summary>Latency buckets for small JSON answers, 5 ms to 10 s.</summary>
    private static readonly double[] s_durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _requestDuration;
    private readonly Counter<long> _storiesCreated;
    private readonly Counter<long> _storyViews;
    private readonly Counter<long> _reactions;
    private readonly Counter<long> _viewBatches;
    private readonly Counter<long> _viewBatchRows;
    private readonly Counter<long> _rateLimitDecisions;
    private readonly Counter<long> _rateLimitFallbacks;
    private readonly Counter<long> _cacheHits;
    private readonly Counter<long> _cacheMisses;
    private readonly Counter<long> _cacheErrors;
    private readonly Counter<long> _passwordVerifications;
    private readonly UpDownCounter<long> _passwordHashesActive;

    public ApiMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(StoriesTelemetry.Name);
        _requests = meter.CreateCounter<long>("http_requests", description: "HTTP requests answered, by route template, method and status code.");
        _requestDuration = meter.CreateHistogram(
            "http_request_duration_seconds", unit: "s", description: "Time until the response started, by route template, method and status code.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_durationBuckets });
        _storiesCreated = meter.CreateCounter<long>("stories_created", description: "Stories created (idempotent replays not counted).");
        _storyViews = meter.CreateCounter<long>("story_views", description: "Story views recorded (one per viewer and story).");
        _reactions = meter.CreateCounter<long>("reactions", description: "Reactions added.");
        _viewBatches = meter.CreateCounter<long>(
            "story_view_batches", description: "Statements that wrote coalesced views (Views:Coalesce); story_view_batch_rows_total over this is the mean batch.");
        _viewBatchRows = meter.CreateCounter<long>("story_view_batch_rows", description: "Views those statements carried (a duplicate within a batch not counted).");
        _rateLimitDecisions = meter.CreateCounter<long>("rate_limit_decisions", description: "Rate-limit decisions, by policy and result (allowed or limited).");
        _rateLimitFallbacks = meter.CreateCounter<long>("rate_limit_fallbacks", description: "Rate-limit decisions taken by this replica's in-process buckets because Redis was unavailable.");
        _cacheHits = meter.CreateCounter<long>("cache_hits", description: "Cache lookups answered from Redis, by cache.");
        _cacheMisses = meter.CreateCounter<long>("cache_misses", description: "Cache lookups that went to the database, by cache.");
        _passwordVerifications = meter.CreateCounter<long>(
            "password_verifications", description: "bcrypt verifications, by the cost of the hash checked: after raising the cost, the old cost's share falls as users log in.");
        _passwordHashesActive = meter.CreateUpDownCounter<long>("password_hashes_active", description: "bcrypt hashes and checks running now (at most Passwords:MaxConcurrentHashes).");
        _cacheErrors = meter.CreateCounter<long>("cache_errors", description: "Cache operations that failed (the request fell back to the database), by cache and operation.");
    }

    public void RequestAnswered(string route, string method, int statusCode, TimeSpan elapsed)
    {
        var tags = new TagList { { "route", route }, { "method", method }, { "code", StatusCodeText(statusCode) } };
        _requests.Add(1, tags);
        _requestDuration.Record(elapsed.TotalSeconds, tags);
    }

    /// <summary>The domain counters, listed at 0 by a fresh process (see <c>AddCountersAtZero</c>).</summary>
    public void StartAtZero()
    {
        _storiesCreated.Add(0);
        _storyViews.Add(0);
        _reactions.Add(0);
    }

    public void StoryCreated() => _storiesCreated.Add(1);

    public void StoryViewed() => _storyViews.Add(1);

    public void ReactionAdded() => _reactions.Add(1);

    public void ViewBatchWritten(int rows)
    {
        _viewBatches.Add(1);
        _viewBatchRows.Add(rows);
    }

    public void RateLimitDecided(string policy, bool allowed) =>
        _rateLimitDecisions.Add(1, new KeyValuePair<string, object?>("policy", policy), new KeyValuePair<string, object?>("result", allowed ? "allowed" : "limited"));

    public void RateLimitFellBack(string policy) => _rateLimitFallbacks.Add(1, new KeyValuePair<string, object?>("policy", policy));

    public void CacheHit(string cache) => _cacheHits.Add(1, new KeyValuePair<string, object?>("cache", cache));

    public void CacheMiss(string cache) => _cacheMisses.Add(1, new KeyValuePair<string, object?>("cache", cache));

    public void PasswordVerified(int cost) => _passwordVerifications.Add(1, new KeyValuePair<string, object?>("cost", cost));

    public void PasswordHashStarted() => _passwordHashesActive.Add(1);

    public void PasswordHashEnded() => _passwordHashesActive.Add(-1);

    public void CacheError(string cache, string operation) =>
        _cacheErrors.Add(1, new KeyValuePair<string, object?>("cache", cache), new KeyValuePair<string, object?>("operation", operation));

    // Status codes are few; caching their text spares an allocation per request.
    private static string StatusCodeText(int statusCode) => statusCode switch
    {
        200 => "200",
        201 => "201",
        204 => "204",
        400 => "400",
        401 => "401",
        404 => "404",
        429 => "429",
        _ => statusCode.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
