using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Stories.Tests.Infrastructure;

/// <summary>What a test host with <c>Management:Port</c> set needs: a port to give it, and its other address.</summary>
public static class ManagementPorts
{
    /// <summary>
    /// A port no one listens on now. The management port must be known before the host starts (the
    /// service routes by it), so it cannot be the server's own pick of port 0.
    /// </summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The address the started host serves its API on: the one that is not the management port.</summary>
    public static Uri PublicAddress(IServiceProvider services, int managementPort)
    {
        var addresses = services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return new Uri(addresses.Select(address => new Uri(address)).Single(address => address.Port != managementPort).ToString());
    }
}
