using System.Globalization;

namespace Stories.Tests.Infrastructure;

/// <summary>
/// The API with <c>Management:Port</c> set, as the AppHost and docker-compose run it: its clients talk
/// to the API's own port, <see cref="CreateManagementClient"/> to the management port.
/// </summary>
public sealed class ManagementPortApiFactory : StoriesApiFactory
{
    public ManagementPortApiFactory() => WithSetting("Management:Port", ManagementPort.ToString(CultureInfo.InvariantCulture));

    public int ManagementPort { get; } = ManagementPorts.Free();

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        ClientOptions.BaseAddress = ManagementPorts.PublicAddress(Services, ManagementPort);
    }

    public HttpClient CreateManagementClient() => CreateDefaultClient(new Uri($"http://127.0.0.1:{ManagementPort}"));
}
