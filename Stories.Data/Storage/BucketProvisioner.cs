using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Stories.Data.Storage;

/// <summary>
/// Creates the media bucket as the API starts, in the background so that startup never waits on or
/// dies of storage. If storage is away, the first upload or health probe after it returns creates it
/// instead (<see cref="MediaStorage.EnsureBucketAsync"/> retries until it succeeds once).
/// </summary>
public sealed partial class BucketProvisioner(MediaStorage storage, ILogger<BucketProvisioner> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await storage.EnsureBucketAsync(stoppingToken);
        }
        catch (StorageUnavailableException exception)
        {
            LogProvisioningDeferred(logger, storage.Bucket, exception.InnerException);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down before storage answered.
        }
    }

    [LoggerMessage(EventName = "bucket_provisioning_deferred", Level = LogLevel.Warning, Message = "storage unavailable at startup; the media bucket will be ensured on first use")]
    private static partial void LogProvisioningDeferred(ILogger logger, string bucket, Exception? exception);
}
