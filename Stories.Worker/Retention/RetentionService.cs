using Microsoft.Extensions.Options;

namespace Stories.Worker.Retention;

/// <summary>
/// The loop only: a retention pass now, then one per <see cref="RetentionOptions.Interval"/>. Each
/// clean-up logs its own failure, so one bad pass never kills the host; stopping cancels
/// the current batch, which then rolls back.
/// </summary>
public sealed class RetentionService(RetentionCleaner cleaner, IOptions<RetentionOptions> options, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, time);
        do
        {
            // CleanAsync catches and logs each clean-up's failure itself, so the loop only ever ends by stopping.
            await cleaner.CleanAsync(stoppingToken);
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
}
