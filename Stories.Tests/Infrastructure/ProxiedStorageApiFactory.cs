namespace Stories.Tests.Infrastructure;

/// <summary>
/// <see cref="StorageApiFactory"/> with the API reaching the real S3 server through a
/// <see cref="TcpProxy"/>, so a test can take storage away from this API alone. Presigned URLs point
/// at the proxy too: while it is stopped, clients cannot reach storage either.
/// </summary>
public class ProxiedStorageApiFactory : StorageApiFactory
{
    protected ProxiedStorageApiFactory(bool startWithStorageDown)
        : this(new TcpProxy(TestStorage.Connection.Endpoint.Host, TestStorage.Connection.Endpoint.Port), startWithStorageDown)
    {
    }

    private ProxiedStorageApiFactory(TcpProxy proxy, bool startWithStorageDown)
        : base(new UriBuilder(TestStorage.Connection.Endpoint) { Host = "127.0.0.1", Port = proxy.Port }.Uri)
    {
        Proxy = proxy;
        // /healthz follows the outage at once here; the cache of health results has tests of its own.
        WithSetting("Management:HealthCacheDuration", "00:00:00");
        if (startWithStorageDown)
        {
            Proxy.Stop();
        }
    }

    public TcpProxy Proxy { get; }

    /// <summary>Stops storage until the returned scope is disposed, so a failing assert cannot leave it down.</summary>
    public IDisposable StorageDown()
    {
        Proxy.Stop();
        return new Restart(Proxy);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Proxy.DisposeAsync();
    }

    private sealed class Restart(TcpProxy proxy) : IDisposable
    {
        public void Dispose() => proxy.Start();
    }
}
