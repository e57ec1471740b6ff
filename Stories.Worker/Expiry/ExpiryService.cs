using Microsoft.Extensions.Options;

namespace Stories.Worker.Expiry;

/// <summary>
/// The loop only (<see cref="TimerLoop"/>): a sweep now, then one per interval. A failed sweep is logged and
/// the next tick tries again — the process never dies of a database outage.
/// </summary>
public sealed partial class ExpiryService(ExpirySweeper sweeper, IOptions<ExpiryOptions> options, TimeProvider time, ILogger<ExpiryService> logger)
    : TimerLoop(options.Value.SweepInterval, time)
{
    protected override async Task RunOnceAsync(CancellationToken stoppingToken)
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

    [LoggerMessage(EventName = "sweep_failed", Level = LogLevel.Warning, Message = "expiry sweep failed")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
