using System.ComponentModel.DataAnnotations;
using StackExchange.Redis;

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
