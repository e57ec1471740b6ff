using Microsoft.Extensions.Diagnostics.HealthChecks;
using Stories.Data;

namespace Stories.Api.Infrastructure.Health;

/// <summary>Unhealthy when PostgreSQL does not answer: without it no route can do its work.</summary>
internal sealed class DatabaseHealthCheck(StoriesDbContext db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            return await db.Database.CanConnectAsync(cancellationToken)
                ? HealthCheckResult.Healthy("PostgreSQL answers.")
                : HealthCheckResult.Unhealthy("PostgreSQL does not answer.");
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL does not answer.", exception);
        }
    }
}
