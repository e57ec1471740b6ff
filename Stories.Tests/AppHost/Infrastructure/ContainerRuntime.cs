using System.Diagnostics;

namespace Stories.AppHost.Tests.Infrastructure;

/// <summary>
/// Whether the graph's tests may run here, and whether they must. The AppHost starts PostgreSQL, Redis
/// and MinIO as containers, so a runtime has to answer. On a developer's machine without one the tests
/// skip and say why; in CI (<c>CI=true</c>) or when stand-in images were built for this run
/// (<see cref="StandInImages.Variable"/>), a missing runtime fails them instead: a green run there
/// must mean the graph ran.
/// </summary>
public static class ContainerRuntime
{
    private static readonly Lazy<string?> s_unavailableReason = new(FindUnavailableReason);

    /// <summary>Why no runtime answers, or null when one does.</summary>
    public static string? UnavailableReason => s_unavailableReason.Value;

    /// <summary>True where the graph's tests must run: in CI, or when stand-in images were requested.</summary>
    public static bool Required =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase) ||
        StandInImages.Requested;

    /// <summary>The reason to skip, or null when the tests run (a runtime answers, or one is required).</summary>
    public static string? SkipReason => UnavailableReason is { } reason && !Required ? reason : null;

    private static string? FindUnavailableReason()
    {
        foreach (var runtime in new[] { "docker", "podman" })
        {
            try
            {
                using var process = Process.Start(new ProcessStartInfo(runtime, "info")
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                });
                if (process is not null && process.WaitForExit(TimeSpan.FromSeconds(20)) && process.ExitCode == 0)
                {
                    return null;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // Not installed; try the next one.
            }
        }

        return "No container runtime answers `docker info` or `podman info`: the Aspire-hosted tests need one " +
            "to start PostgreSQL, Redis and MinIO (`make test` starts one where it can; see README, 'Testing').";
    }
}
