using System.Diagnostics;

namespace Stories.ServiceDefaults;

/// <summary>The activity source and meter name under which Stories' own telemetry is published.</summary>
public static class StoriesTelemetry
{
    /// <summary>Name of the <see cref="System.Diagnostics.Metrics.Meter"/> and <see cref="ActivitySource"/>.</summary>
    public const string Name = "Stories";

    /// <summary>The source for Stories' own spans (sweeps, fan-out).</summary>
    public static readonly ActivitySource ActivitySource = new(Name);
}
