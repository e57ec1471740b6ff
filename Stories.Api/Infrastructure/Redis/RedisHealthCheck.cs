using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Stories.Api.Infrastructure.Redis;

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
