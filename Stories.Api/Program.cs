using Microsoft.Extensions.Options;
using Stories.Api.Auth;
using Stories.Api.Features.Auth;
using Stories.Api.Features.Events;
using Stories.Api.Features.Feed;
using Stories.Api.Features.Search;
using Stories.Api.Features.Social;
using Stories.Api.Features.Stats;
using Stories.Api.Features.Stories;
using Stories.Api.Features.Uploads;
using Stories.Api.Infrastructure.Caching;
using Stories.Api.Infrastructure.Http;
using Stories.Api.Infrastructure.Metrics;
using Stories.Api.Infrastructure.OpenApi;
using Stories.Api.Infrastructure.Problems;
using Stories.Api.Infrastructure.RateLimiting;
using Stories.Api.Infrastructure.Redis;
using Stories.Data;
using Stories.Data.Storage;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddProblemHandling();
builder.AddRequestLimits();
builder.AddHttpHygiene();
builder.AddApiMetrics();
builder.AddStoriesDbContext();
builder.AddStoriesAuth();
builder.AddStoriesRedis();
builder.AddStoriesStorage();
builder.AddCaching();
builder.AddUploads();
builder.AddEvents();
builder.AddStories();
builder.AddFeed();
builder.AddSearch();
builder.AddSocial();
builder.AddRateLimits();
builder.Services.AddOpenApi();
builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
builder.Services.AddScoped<UserRegistrar>();

var app = builder.Build();

// Connect to Redis now rather than on the first request: a lazy first connect under load could cache a failure.
app.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>();

if (app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStartup)
{
    await app.Services.MigrateStoriesDatabaseAsync();
}

// First, so that every answer — the exception handler's included — is counted and carries the headers.
app.UseHttpMetrics();
app.UseSecurityHeaders();
app.UseExceptionHandler();
app.UseStatusCodePages();
if (!app.Environment.IsDevelopment())
{
    app.UseHsts();
}

app.UseWebSockets();
app.UseCors();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimits();

app.MapOpenApi().AllowAnonymous();
app.MapApiDocs();
app.MapDefaultEndpoints();
app.MapAuth();
app.MapUploads();
app.MapStories();
app.MapFeed();
app.MapSearch();
app.MapFollows();
app.MapFollowing();
app.MapBlocks();
app.MapStats();
app.MapEvents();

app.Run();

/// <summary>The entry point, public so that tests can host the API.</summary>
public partial class Program;
