using Stories.Resources;

namespace Stories.Api.Infrastructure.Redis;

public static class RedisSetup
{
    /// <summary>
    /// Registers the process's multiplexer through Aspire's Redis client integration from
    /// <c>ConnectionStrings:cache</c> (<c>host:port[,password=…]</c>), with the timeouts of
    /// <see cref="RedisOptions"/> and <c>abortConnect=false</c>: the process starts without Redis and
    /// the multiplexer reconnects in the background. Aspire's own health check is left out: it reports
    /// an unreachable Redis as unhealthy, and Redis down is only degraded here (<see cref="RedisHealthCheck"/>).
    /// Its tracing adds a span per Redis command when traces are exported.
    /// </summary>
    public static IHostApplicationBuilder AddStoriesRedis(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        var settings = builder.Configuration.GetSection(RedisOptions.SectionName).Get<RedisOptions>() ?? new RedisOptions();
        if (string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(ResourceNames.Cache)))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{ResourceNames.Cache} is not set. Under Aspire it is injected; otherwise set ConnectionStrings__{ResourceNames.Cache}.");
        }

        builder.AddRedisClient(
            ResourceNames.Cache,
            configureSettings: aspire =>
            {
                aspire.DisableHealthChecks = true;
                // Spans for Redis commands only when they are exported, like every in-box span (see the service defaults).
                aspire.DisableTracing = !TelemetryExtensions.ExportsOtlp(builder.Configuration);
            },
            configureOptions: options =>
            {
                options.AbortOnConnectFail = false;
                options.ConnectRetry = 1;
                options.ConnectTimeout = (int)settings.ConnectTimeout.TotalMilliseconds;
                options.SyncTimeout = (int)settings.CommandTimeout.TotalMilliseconds;
                options.AsyncTimeout = (int)settings.CommandTimeout.TotalMilliseconds;
            });
        builder.Services.AddSingleton<RedisStore>();
        builder.Services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis");
        return builder;
    }
}
