using Microsoft.Extensions.Options;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

namespace Stories.Api.Infrastructure.Redis;

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
