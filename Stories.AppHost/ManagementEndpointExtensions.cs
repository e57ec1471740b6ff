using Aspire.Hosting.ApplicationModel;
using Stories.Resources;
using Stories.ServiceDefaults;

namespace Aspire.Hosting;

/// <summary>Gives a Stories service the management endpoint its health and metrics are served on (ADR 0014).</summary>
public static class ManagementEndpointExtensions
{
    /// <summary>
    /// Adds the <c>management</c> HTTP endpoint, whose port the service reads from <c>Management__Port</c>
    /// and serves <c>/health</c>, <c>/healthz</c> and <c>/metrics</c> on alone, and points the resource's
    /// health check at its <c>/health</c>. The endpoint is never external, even on a resource whose other
    /// HTTP endpoints are: deployed, it is reachable inside the environment (Prometheus, probes) and not
    /// from the internet.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithManagementEndpoint(this IResourceBuilder<ProjectResource> builder) => builder
        .WithHttpEndpoint(name: ResourceNames.ManagementEndpoint, env: $"{ManagementOptions.SectionName}__{nameof(ManagementOptions.Port)}")
        .WithEndpoint(ResourceNames.ManagementEndpoint, endpoint => endpoint.IsExternal = false)
        .WithHttpHealthCheck("/health", endpointName: ResourceNames.ManagementEndpoint);
}
