using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Stories.ServiceDefaults;

/// <summary>
/// One run of each dependency check answers every health request for
/// <see cref="ManagementOptions.HealthCacheDuration"/>: a flood of <c>/healthz</c> costs one database
/// connection per window, not one per request. Requests that arrive while a check runs wait for that
/// run rather than start their own. The window is read off the injected <see cref="TimeProvider"/>;
/// a clock set back ends it.
/// </summary>
internal sealed class HealthResultCache(TimeProvider time, IOptions<ManagementOptions> options, IServiceScopeFactory scopes)
{
    private readonly TimeSpan _window = options.Value.HealthCacheDuration;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (DateTimeOffset StartedAt, Lazy<Task<HealthCheckResult>> Run)> _runs = [];

    /// <summary>Wraps every registered check but the liveness ones (they touch nothing) in the cache.</summary>
    public void Wrap(HealthCheckServiceOptions checks)
    {
        foreach (var registration in checks.Registrations.Where(registration => !registration.Tags.Contains(HealthTags.Live)))
        {
            var create = registration.Factory;
            registration.Factory = _ => new CachedCheck(this, create);
        }
    }

    private Task<HealthCheckResult> ResultAsync(HealthCheckContext context, Func<IServiceProvider, IHealthCheck> create)
    {
        var name = context.Registration.Name;
        var now = time.GetUtcNow();
        Lazy<Task<HealthCheckResult>> run;
        lock (_lock)
        {
            if (!_runs.TryGetValue(name, out var last) || now < last.StartedAt || now >= last.StartedAt + _window)
            {
                last = (now, new Lazy<Task<HealthCheckResult>>(() => RunAsync(context, create)));
                _runs[name] = last;
            }

            run = last.Run;
        }

        return run.Value;
    }

    /// <summary>
    /// The shared run has a scope of its own and no request's cancellation: the request that started it
    /// may go away while others wait for it. The checks bound themselves (connection and command timeouts).
    /// </summary>
    private async Task<HealthCheckResult> RunAsync(HealthCheckContext context, Func<IServiceProvider, IHealthCheck> create)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await create(scope.ServiceProvider).CheckHealthAsync(context, CancellationToken.None);
    }

    private sealed class CachedCheck(HealthResultCache cache, Func<IServiceProvider, IHealthCheck> create) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            cache.ResultAsync(context, create).WaitAsync(cancellationToken);
    }
}
