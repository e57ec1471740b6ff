using System.Diagnostics;

namespace Stories.AppHost.Tests;

/// <summary>
/// A fact that needs a container runtime: the AppHost starts PostgreSQL, Redis and MinIO as
/// containers. Where none answers, the test is skipped with that reason — never failed, never
/// passed without having run.
/// </summary>
public sealed class ContainerRuntimeFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> s_unavailableReason = new(FindUnavailableReason);

    public ContainerRuntimeFactAttribute()
    {
        if (s_unavailableReason.Value is { } reason)
        {
            Skip = reason;
        }
    }

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

        return "No container runtime answers `docker info` or `podman info`: the Aspire-hosted tests need one to start PostgreSQL, Redis and MinIO.";
    }
}
