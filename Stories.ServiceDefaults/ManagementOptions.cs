using System.ComponentModel.DataAnnotations;

namespace Stories.ServiceDefaults;

/// <summary>
/// Where a service answers its operational endpoints and how often their dependency checks may run
/// (section <c>Management</c>; ADR 0014).
/// </summary>
public sealed class ManagementOptions
{
    /// <summary>The configuration section: <c>Management:Port</c>, <c>Management__Port</c> in the environment.</summary>
    public const string SectionName = "Management";

    /// <summary>
    /// The port that alone serves <c>/health</c>, <c>/healthz</c> and <c>/metrics</c>, and serves nothing
    /// else but <c>/alive</c>. Unset, they share the service's own port (local runs and most tests).
    /// </summary>
    [Range(1, 65535)]
    public int? Port { get; set; }

    /// <summary>
    /// How long one run of a dependency check answers every health request: a flood of requests then
    /// costs one database connection per window, not one each. Zero runs the checks for every request.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan HealthCacheDuration { get; set; } = TimeSpan.FromSeconds(5);
}
