using Microsoft.Extensions.Options;

namespace Stories.Worker.Expiry;

/// <summary>
/// The loop only: a sweep now, then one per interval. A failed sweep is logged and the next tick
/// tries again — the process never dies of a database outage. Stopping cancels the current batch,
/// which then rolls back.
/// </summary>
public sealed partial class ExpiryService(ExpirySweeper sweeper, IOptions<ExpiryOptions> options, TimeProvider time, ILogger<ExpiryService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, time);
        do
        {
            try
            {
                await sweeper.SweepAsync(stoppingToken);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                LogSweepFailed(logger, exception);
            }
        }
        while (await WaitForNextTickAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitForNextTickAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventName = "sweep_failed", Level = LogLevel.Warning, Message = "expiry sweep failed")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
