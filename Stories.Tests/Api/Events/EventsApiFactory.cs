using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Stories.Api.Infrastructure.Redis;
using Stories.Resources;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Events;

/// <summary>The API with a heartbeat short enough to watch and a replay window small enough to overflow in a test.</summary>
public class EventsApiFactory : StoriesApiFactory
{
    public const int ReplayLength = 5;

    public EventsApiFactory()
    {
        Configure();
    }

    internal EventsApiFactory(StoriesApiFactory primary)
        : base(primary)
    {
        Configure();
    }

    private void Configure()
    {
        WithSetting("Events:HeartbeatInterval", "00:00:00.200");
        WithSetting("Events:ReplayLength", ReplayLength.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}

/// <summary>Two API replicas sharing one database and one Redis keyspace, as behind a load balancer.</summary>
public class TwoReplicas : IAsyncLifetime
{
    public TwoReplicas()
    {
        A = new EventsApiFactory();
        B = new EventsApiFactory(A);
    }

    public EventsApiFactory A { get; }

    public EventsApiFactory B { get; }

    public virtual async Task InitializeAsync()
    {
        await A.InitializeAsync();
        await B.InitializeAsync();
        // A load balancer sends a replica traffic once it is ready: each has its Redis connection before a
        // test asks it anything. (A replica whose first connect outlasted Redis:ConnectTimeout — a three-node
        // cluster on a busy machine — would otherwise refuse a ticket with 401 while it still connects.)
        if (StartsWithRedis)
        {
            await WaitForRedisAsync(A);
            await WaitForRedisAsync(B);
        }
    }

    /// <summary>Whether Redis is there when the replicas start (so that they are ready only once connected).</summary>
    protected virtual bool StartsWithRedis => true;

    private static async Task WaitForRedisAsync(EventsApiFactory replica)
    {
        var connection = replica.Services.GetRequiredService<RedisStore>().Connection;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!connection.IsConnected)
        {
            await Task.Delay(50, timeout.Token);
        }
    }

    public virtual async Task DisposeAsync()
    {
        await B.DisposeAsync();
        await A.DisposeAsync();
    }
}

/// <summary>Two replicas that reach Redis through a <see cref="TcpProxy"/>, so a test can take Redis away from both and give it back.</summary>
public class TwoReplicasBehindRedisProxy : TwoReplicas
{
    public TwoReplicasBehindRedisProxy()
    {
        var real = ConfigurationOptions.Parse(TestServices.Cache);
        var (host, port) = real.EndPoints[0] switch
        {
            System.Net.IPEndPoint ip => (ip.Address.ToString(), ip.Port),
            System.Net.DnsEndPoint dns => (dns.Host, dns.Port),
            var other => throw new InvalidOperationException($"Unexpected Redis endpoint {other}."),
        };
        Proxy = new TcpProxy(host, port);
        var viaProxy = $"127.0.0.1:{Proxy.Port},password={real.Password}";
        A.WithSetting($"ConnectionStrings:{ResourceNames.Cache}", viaProxy);
        B.WithSetting($"ConnectionStrings:{ResourceNames.Cache}", viaProxy);
    }

    public TcpProxy Proxy { get; }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Proxy.DisposeAsync();
    }
}
