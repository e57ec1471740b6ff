using StackExchange.Redis;

namespace Stories.Api.Infrastructure.Redis;

public static class RedisErrors
{
    /// <summary>
    /// How SE.Redis says Redis could not serve a call: a <see cref="RedisException"/> (no connection, a
    /// server error), a <see cref="RedisTimeoutException"/> (a <see cref="TimeoutException"/>), or — for a
    /// command in flight on a connection it tears down as dead — a <see cref="TaskCanceledException"/>.
    /// Callers that pass a token of their own check it first: their cancellation is not an outage.
    /// </summary>
    public static bool IsUnavailable(Exception exception) => exception is RedisException or TimeoutException or OperationCanceledException;
}
