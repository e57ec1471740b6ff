using Stories.Data;
using Stories.Worker.Expiry;
using Stories.Worker.Retention;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddStoriesDbContextFactory();
builder.AddExpiry();
builder.AddRetention();

var app = builder.Build();

// The worker serves only operational endpoints: health and (with the platform issue) metrics.
app.MapDefaultEndpoints();

app.Run();

/// <summary>
/// Internal on purpose: the tests reference the API and the worker, and two public global
/// <c>Program</c> types would collide (.NET 10 otherwise makes it public). Tests host the worker
/// through <c>WebApplicationFactory&lt;ExpirySweeper&gt;</c>.
/// </summary>
internal sealed partial class Program;
