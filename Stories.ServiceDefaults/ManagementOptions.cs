using System.ComponentModel.DataAnnotations;

namespace Stories.ServiceDefaults;

/// <summary>
/// Where a service answers its operational endpoints (section <c>Management</c>; ADR 0014).
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
}
