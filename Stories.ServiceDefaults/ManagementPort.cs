using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Stories.ServiceDefaults;

/// <summary>
/// The management port (ADR 0014): with <c>Management:Port</c> set, the service listens on it besides
/// its own addresses, answers the operational endpoints there only, and nothing else there.
/// </summary>
public static class ManagementPort
{
    /// <summary>Binds <see cref="ManagementOptions"/> and, with a port set, adds it to the addresses the server listens on.</summary>
    public static TBuilder AddManagementPort<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<ManagementOptions>().BindConfiguration(ManagementOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy, ManagementPortPolicy>());
        if (builder.Configuration.GetSection(ManagementOptions.SectionName).Get<ManagementOptions>()?.Port is { } port)
        {
            var urls = ServerUrls(builder.Configuration);
            if (urls.Any(url => BindingAddress.Parse(url).Port == port))
            {
                throw new InvalidOperationException($"Management:Port {port} is also a port the service serves its API on ({string.Join(';', urls)}): choose another.");
            }

            builder.Configuration[WebHostDefaults.ServerUrlsKey] = string.Join(';', [.. urls, $"http://*:{port}"]);
        }

        return builder;
    }

    /// <summary>The endpoint answers on the management port only, when one is set.</summary>
    public static TBuilder OnManagementPort<TBuilder>(this TBuilder endpoint) where TBuilder : IEndpointConventionBuilder =>
        endpoint.WithMetadata(new OperationalEndpoint(ManagementPortOnly: true));

    /// <summary>The endpoint answers on every port, the management port included.</summary>
    public static TBuilder OnEveryPort<TBuilder>(this TBuilder endpoint) where TBuilder : IEndpointConventionBuilder =>
        endpoint.WithMetadata(new OperationalEndpoint(ManagementPortOnly: false));

    /// <summary>
    /// The addresses ASP.NET Core would listen on by itself, in its own order of precedence: <c>urls</c>
    /// (<c>ASPNETCORE_URLS</c>, a launch profile, Aspire in run mode), else <c>HTTP_PORTS</c>/<c>HTTPS_PORTS</c>
    /// (container images, Aspire's publish mode), else Kestrel's default. Setting <c>urls</c> replaces
    /// all of them, so the management address is added to these rather than set alone.
    /// </summary>
    private static string[] ServerUrls(IConfiguration configuration)
    {
        if (configuration[WebHostDefaults.ServerUrlsKey] is { Length: > 0 } urls)
        {
            return urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        string[] ports =
        [
            .. Ports(configuration[WebHostDefaults.HttpPortsKey]).Select(port => $"http://*:{port}"),
            .. Ports(configuration[WebHostDefaults.HttpsPortsKey]).Select(port => $"https://*:{port}"),
        ];
        return ports.Length > 0 ? ports : ["http://localhost:5000"];

        static string[] Ports(string? list) => list?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
    }
}

/// <summary>Marks a health or metrics endpoint, and whether it answers on the management port alone.</summary>
public sealed record OperationalEndpoint(bool ManagementPortOnly);

/// <summary>
/// Routes by the port the connection arrived on — the server's own socket, which no client can write —
/// and not by the <c>Host</c> header as <c>RequireHost("*:port")</c> would: a client of the public
/// port could name the management port in that header. On the management port only operational
/// endpoints match; elsewhere every endpoint but the management-only ones does. An endpoint that does
/// not match answers exactly like a route that does not exist.
/// </summary>
internal sealed class ManagementPortPolicy(IOptions<ManagementOptions> options) : MatcherPolicy, IEndpointSelectorPolicy
{
    private readonly int? _port = options.Value.Port;

    public override int Order => 0;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) => _port is not null;

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        var onManagementPort = httpContext.Connection.LocalPort == _port;
        for (var i = 0; i < candidates.Count; i++)
        {
            var operational = candidates[i].Endpoint.Metadata.GetMetadata<OperationalEndpoint>();
            var matches = onManagementPort ? operational is not null : operational is not { ManagementPortOnly: true };
            if (!matches)
            {
                candidates.SetValidity(i, false);
            }
        }

        return Task.CompletedTask;
    }
}
