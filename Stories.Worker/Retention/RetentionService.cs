using Microsoft.Extensions.Options;

namespace Stories.Worker.Retention;

/// <summary>
/// The loop only (<see cref="TimerLoop"/>): a retention pass now, then one per <see cref="RetentionOptions.Interval"/>.
/// </summary>
public sealed class RetentionService(RetentionCleaner cleaner, IOptions<RetentionOptions> options, TimeProvider time)
    : TimerLoop(options.Value.Interval, time)
{
    // CleanAsync catches and logs each clean-up's failure itself, so the loop only ever ends by stopping.
    protected override Task RunOnceAsync(CancellationToken stoppingToken) => cleaner.CleanAsync(stoppingToken);
}
