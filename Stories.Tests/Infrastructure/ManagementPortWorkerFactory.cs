using System.Globalization;

namespace Stories.Tests.Infrastructure;

/// <summary>
/// The worker on a real Kestrel socket with <c>Management:Port</c> set, as the AppHost and docker-compose
/// run it: its clients talk to the worker's own port, <see cref="CreateManagementClient"/> to the management port.
/// </summary>
public sealed class ManagementPortWorkerFactory : WorkerFactory
{
    public ManagementPortWorkerFactory()
    {
        UseKestrel();
        WithSetting("urls", "http://127.0.0.1:0");
        WithSetting("Management:Port", ManagementPort.ToString(CultureInfo.InvariantCulture));
    }

    public int ManagementPort { get; } = ManagementPorts.Free();

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        StartServer();
        ClientOptions.BaseAddress = ManagementPorts.PublicAddress(Services, ManagementPort);
    }

    public HttpClient CreateManagementClient() => CreateDefaultClient(new Uri($"http://127.0.0.1:{ManagementPort}"));
}
