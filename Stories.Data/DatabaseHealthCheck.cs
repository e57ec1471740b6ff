using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Stories.Data;

/// <summary>
/// Unhealthy when PostgreSQL does not answer: the API can do no work without it, and the worker's
/// own sweep check would only notice three intervals later. Shared by both services; it opens a
/// pooled connection from the same connection string, so it needs no context of either kind.
/// </summary>
public sealed class DatabaseHealthCheck(IConfiguration configuration, IOptions<DatabaseOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = new NpgsqlConnection(DataExtensions.GetConnectionString(configuration, options.Value));
            await connection.OpenAsync(cancellationToken);
            await using var ping = new NpgsqlCommand("select 1", connection);
            await ping.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy("PostgreSQL answers.");
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL does not answer.", exception);
        }
    }
}
