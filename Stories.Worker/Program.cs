using Stories.Data;
using Stories.Worker;
using Stories.Worker.Expiry;
using Stories.Worker.Retention;

// `--sweep-once` runs a single expiry sweep and exits, logging the usual line: the benchmark in
// bench/worker/ times exactly the code that runs every minute.
const string SweepOnce = "--sweep-once";
var sweepOnce = args.Contains(SweepOnce);

var builder = WebApplication.CreateBuilder([.. args.Where(arg => arg != SweepOnce)]);

builder.AddServiceDefaults();
builder.AddStoriesDbContextFactory();
builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
builder.AddExpiry();
builder.AddRetention();
builder.Services.AddCountersAtZero<WorkerMetrics>(metrics => metrics.StartAtZero());

var app = builder.Build();

if (sweepOnce)
{
    // Disposing the host flushes the console logger, so the sweep's log line is never lost.
    await using (app)
    {
        await app.Services.GetRequiredService<ExpirySweeper>().SweepAsync(CancellationToken.None);
    }

    return;
}

// The worker serves only operational endpoints: health and metrics (MapDefaultEndpoints).
app.MapDefaultEndpoints();

app.Run();

/// <summary>
/// Internal on purpose: the tests reference the API and the worker, and two public global
/// <c>Program</c> types would collide (.NET 10 otherwise makes it public). Tests host the worker
/// through <c>WebApplicationFactory&lt;ExpirySweeper&gt;</c>.
/// </summary>
internal sealed partial class Program;
