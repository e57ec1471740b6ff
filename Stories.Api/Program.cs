using Stories.Api.Auth;
using Stories.Api.Features.Auth;
using Stories.Api.Infrastructure.Health;
using Stories.Api.Infrastructure.Http;
using Stories.Api.Infrastructure.Problems;
using Stories.Api.Infrastructure.Redis;
using Stories.Data;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddProblemHandling();
builder.AddRequestLimits();
builder.AddStoriesDbContext();
builder.AddStoriesAuth();
builder.AddStoriesRedis();
builder.Services.AddOpenApi();
builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
builder.Services.AddScoped<UserRegistrar>();

var app = builder.Build();

// Connect to Redis now rather than on the first request (see RedisSetup).
app.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>();

if (app.Configuration.GetValue("Database:MigrateOnStartup", true))
{
    await app.Services.MigrateStoriesDatabaseAsync();
}

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseSwaggerUI(options =>
{
    options.RoutePrefix = "docs";
    options.SwaggerEndpoint("/openapi/v1.json", "Stories API v1");
});
app.UseAuthentication();
app.UseAuthorization();

app.MapOpenApi().AllowAnonymous();
app.MapDefaultEndpoints();
app.MapAuth();

app.Run();

/// <summary>The entry point, public so that tests can host the API.</summary>
public partial class Program;
