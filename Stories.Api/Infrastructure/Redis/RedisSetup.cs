using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;
using Stories.ServiceDefaults;

namespace Stories.Api.Infrastructure.Redis;

public sealed class RedisOptions
{
    public const string SectionName = "Redis";

    /// <summary>Prefixed to every key and channel, so several deployments (or test runs) can share one Redis.</summary>
    public string KeyPrefix { get; set; } = "stories:";

    /// <summary>
    /// The longest any command waits for its reply, async or sync (SE.Redis' <c>AsyncTimeout</c> and
    /// <c>SyncTimeout</c>). Past it the call fails with a <see cref="RedisTimeoutException"/> and the
    /// feature falls back (rate limits in process, caches to PostgreSQL, events on this replica), so a
    /// Redis that hangs with its socket open holds no request longer than this. SE.Redis checks
    /// timeouts on its one-second heartbeat, so a call may fail up to a second later than this.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:00:30")]
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest one connection attempt takes; the multiplexer keeps retrying in the background.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:00:30")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// The one Redis connection of the process, and the prefixed views of it that features use.
/// Redis backs optional work only (rate limits, caches, the event bus): each feature degrades on its
/// own when Redis is away, and the health check reports it as degraded, never unhealthy.
/// </summary>
public sealed class RedisStore(IConnectionMultiplexer connection, IOptions<RedisOptions> options)
{
    public IConnectionMultiplexer Connection => connection;

    public IDatabase Database { get; } = connection.GetDatabase().WithKeyPrefix(options.Value.KeyPrefix);

    public string Key(string name) => options.Value.KeyPrefix + name;

    public RedisChannel Channel(string name) => RedisChannel.Literal(options.Value.KeyPrefix + name);
}

public static class RedisErrors
{
    /// <summary>
    /// How SE.Redis says Redis could not serve a call: a <see cref="RedisException"/> (no connection, a
    /// server error), a <see cref="RedisTimeoutException"/> (a <see cref="TimeoutException"/>), or — for a
    /// command in flight on a connection it tears down as dead — a <see cref="TaskCanceledException"/>,
    /// or, when that teardown races its reader (SE.Redis 2.12.14+, StackExchange.Redis#3085), the
    /// <see cref="InvalidOperationException"/> of reading a pipe already completed. Callers that pass a
    /// token of their own check it first: their cancellation is not an outage.
    /// </summary>
    public static bool IsUnavailable(Exception exception) =>
        exception is RedisException or TimeoutException or OperationCanceledException ||
        (exception is InvalidOperationException && exception.TargetSite?.DeclaringType?.Namespace == typeof(System.IO.Pipelines.Pipe).Namespace);
}

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

internal sealed class RedisHealthCheck(RedisStore redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await redis.Database.PingAsync();
            return HealthCheckResult.Healthy("Redis answers.");
        }
        catch (TimeoutException exception)
        {
            return HealthCheckResult.Degraded("Redis does not answer in time.", exception);
        }
        catch (Exception exception) when (RedisErrors.IsUnavailable(exception) && !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Degraded("Redis does not answer: rate limits run per replica, caches are bypassed, events stay on this replica.", exception);
        }
    }
}
