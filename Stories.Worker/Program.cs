using Stories.Data;
using Stories.Worker.Expiry;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddStoriesDbContextFactory();
builder.Services.AddOptions<ExpiryOptions>().BindConfiguration(ExpiryOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddSingleton<SweepStatus>();
builder.Services.AddSingleton<ExpirySweeper>();
builder.Services.AddHostedService<ExpiryService>();
builder.Services.AddHealthChecks().AddCheck<SweepHealthCheck>("expiry");

var app = builder.Build();

// The worker serves only operational endpoints: health and metrics.
app.MapDefaultEndpoints();
app.MapPrometheusScrapingEndpoint();

app.Run();
