using StackExchange.Redis;

namespace Stories.Api.Infrastructure.Redis;

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
