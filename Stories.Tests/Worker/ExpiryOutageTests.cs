using System.Net;
using Npgsql;
using Stories.Resources;
using Stories.Tests.Infrastructure;
using Stories.Worker.Expiry;

namespace Stories.Tests.Worker;

/// <summary>The worker reaches PostgreSQL through a proxy the tests switch off and on again.</summary>
public sealed class ExpiryOutageTests(ExpiryOutageTests.ProxiedWorkerFactory factory) : IClassFixture<ExpiryOutageTests.ProxiedWorkerFactory>, IAsyncLifetime
{
    public Task InitializeAsync()
    {
        factory.Proxy.Start();
        return factory.ResetAsync();
    }

    public Task DisposeAsync()
    {
        factory.Proxy.Start();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task SweepFailingInADatabaseOutageIsLoggedAndTheLoopSweepsAgainAfterRecovery()
    {
        var author = await factory.SeedUserAsync();
        var loop = factory.CreateLoop<ExpiryService>();
        await loop.StartAsync(CancellationToken.None);
        await factory.Logs.WaitForEventAsync("story_expired");

        factory.Proxy.Stop();
        var failure = await factory.Logs.WaitForEventAsync("sweep_failed");
        var successesBeforeRecovery = factory.Logs.WithEvent("story_expired").Count;
        // Written straight to the database, past the proxy: only the worker sees the outage.
        var story = await factory.SeedStoryAsync(author, factory.Clock.GetUtcNow().AddMinutes(-1));
        factory.Proxy.Start();
        var recovery = await factory.Logs.WaitForEventAsync("story_expired", skip: successesBeforeRecovery);
        var loopSurvived = !loop.ExecuteTask!.IsCompleted;
        await loop.StopAsync(CancellationToken.None);

        Assert.Equal("warning", failure.GetProperty("level").GetString());
        Assert.Equal("expiry sweep failed", failure.GetProperty("msg").GetString());
        Assert.Contains("Npgsql", failure.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.True(loopSurvived);
        Assert.Equal(1, recovery.GetProperty("count").GetInt32());
        Assert.NotNull(await factory.ScalarAsync<DateTimeOffset?>("select deleted_at from stories where id = @id", ("id", story)));
    }

    [Fact]
    public async Task HealthzReportsTheDatabaseUnhealthyWhileItIsDown()
    {
        using var client = factory.CreateClient();

        factory.Proxy.Stop();
        var response = await client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = await response.ReadJsonAsync();
        Assert.Equal("unhealthy", body.GetProperty("status").GetString());
        Assert.Equal("unhealthy", body.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
    }

    public sealed class ProxiedWorkerFactory : WorkerFactory
    {
        public ProxiedWorkerFactory()
        {
            var direct = new NpgsqlConnectionStringBuilder(DatabaseConnectionString);
            Proxy = new TcpProxy(direct.Host!, direct.Port);
            var proxied = new NpgsqlConnectionStringBuilder(DatabaseConnectionString) { Host = "127.0.0.1", Port = Proxy.Port, Timeout = 2 };
            WithSetting($"ConnectionStrings:{ResourceNames.Database}", proxied.ConnectionString);
            // The shortest interval the options allow, so the loop's next tick comes soon.
            WithSetting("Expiry:SweepInterval", "00:00:01");
        }

        public TcpProxy Proxy { get; }

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            await Proxy.DisposeAsync();
        }
    }
}
