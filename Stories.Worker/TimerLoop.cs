namespace Stories.Worker;

/// <summary>
/// The loop of a worker service, and only the loop: one pass now, then one per interval (a
/// <see cref="PeriodicTimer"/> on the injected <see cref="TimeProvider"/>, so tests move its clock).
/// Stopping cancels the current pass, which then rolls back, and ends the wait for the next tick.
/// A pass that throws past its own handling would end the loop: each pass catches and logs its failures.
/// </summary>
public abstract class TimerLoop(TimeSpan interval, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        do
        {
            await RunOnceAsync(stoppingToken);
        }
        while (await WaitForNextTickAsync(timer, stoppingToken));
    }

    /// <summary>One pass; it catches and logs its own failures, so one bad pass never kills the host.</summary>
    protected abstract Task RunOnceAsync(CancellationToken stoppingToken);

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
