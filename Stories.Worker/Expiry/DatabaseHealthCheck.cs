using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Stories.Data;

namespace Stories.Worker.Expiry;

/// <summary>
/// Unhealthy when PostgreSQL does not answer. The sweep check alone would only notice three intervals
/// later; this one tells an operator why at once. (The API has its own over a scoped context; the
/// worker has only the factory.)
/// </summary>
internal sealed class DatabaseHealthCheck(IDbContextFactory<StoriesDbContext> contexts) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
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
