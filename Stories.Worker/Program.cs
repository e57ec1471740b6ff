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
