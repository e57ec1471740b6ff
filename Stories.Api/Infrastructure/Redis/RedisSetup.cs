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

    public RedisChannel Channel(string name) => new(options.Value.KeyPrefix + name, RedisChannel.PatternMode.Literal);
}

public static class RedisSetup
{
    /// <summary><c>ConnectionStrings:cache</c>, required.</summary>
    public static string ConnectionString(IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString(ResourceNames.Cache);
        return string.IsNullOrWhiteSpace(connectionString)
            ? throw new InvalidOperationException(
                $"ConnectionStrings:{ResourceNames.Cache} is not set. Under Aspire it is injected; otherwise set ConnectionStrings__{ResourceNames.Cache}.")
            : connectionString;
    }

    /// <summary>
    /// A multiplexer for <paramref name="connectionString"/>. <paramref name="preserveAsyncOrder"/>: SE.Redis
    /// 1.x then completes every reply and pub/sub message on one worker, in order, running the awaiting
    /// code right there — one slow continuation holds up every other reply of the process, and under load
    /// that worker became the queue (event appends waited up to 250 ms for a Redis that answered in
    /// microseconds; docs/benchmarks.md, issue 5). Commands need no order, so the process's main
    /// connection completes replies on the thread pool in any order; only the event relay's subscription
    /// keeps the order (<see cref="Features.Events.EventRelay"/>).
    /// </summary>
    public static ConnectionMultiplexer Connect(string connectionString, bool preserveAsyncOrder)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 2000;
        options.SyncTimeout = 1000;
        options.ConnectRetry = 1;
        var connection = ConnectionMultiplexer.Connect(options);
        connection.PreserveAsyncOrder = preserveAsyncOrder;
        return connection;
    }

    /// <summary>
    /// Connects to <c>ConnectionStrings:cache</c> (Aspire's format, <c>host:port,password=…</c>) once, at
    /// startup, with <c>abortConnect=false</c>: the process starts without Redis and the multiplexer
    /// reconnects in the background. (A lazy first connect under load could cache a failure.)
    /// </summary>
    public static IHostApplicationBuilder AddStoriesRedis(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.SectionName);
        builder.Services.AddSingleton<IConnectionMultiplexer>(services =>
            Connect(ConnectionString(services.GetRequiredService<IConfiguration>()), preserveAsyncOrder: false));
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
        catch (RedisException exception)
        {
            return HealthCheckResult.Degraded("Redis does not answer: rate limits run per replica, caches are bypassed, events stay on this replica.", exception);
        }
        catch (TimeoutException exception)
        {
            return HealthCheckResult.Degraded("Redis does not answer in time.", exception);
        }
    }
}
