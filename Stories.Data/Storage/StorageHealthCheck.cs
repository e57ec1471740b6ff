using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Stories.Data.Storage;

/// <summary>
/// Degraded, never unhealthy, when storage does not answer: only uploads and new stories with media
/// need it (they answer 503); everything else, media URLs in feeds included, keeps working.
/// </summary>
internal sealed class StorageHealthCheck(MediaStorage storage) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await storage.EnsureBucketAsync(cancellationToken);
            return HealthCheckResult.Healthy("Storage answers and the media bucket exists.");
        }
        catch (StorageUnavailableException exception)
        {
            return HealthCheckResult.Degraded("Storage does not answer: uploads and new stories with media answer 503.", exception.InnerException);
        }
    }
}
