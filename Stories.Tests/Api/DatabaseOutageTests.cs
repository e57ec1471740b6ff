using System.Net;
using System.Net.Sockets;
using Stories.Resources;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api;

/// <summary>The API pointed at a PostgreSQL port where nothing listens: it degrades to 503s, it does not crash.</summary>
public sealed class DatabaseOutageTests(DatabaseOutageTests.UnreachableDatabaseFactory factory)
    : IClassFixture<DatabaseOutageTests.UnreachableDatabaseFactory>
{
    [Fact]
    public async Task HealthzIs503WithTheDatabaseUnhealthy()
    {
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = await response.ReadJsonAsync();
        Assert.Equal("unhealthy", body.GetProperty("status").GetString());
        Assert.Equal("unhealthy", body.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
        Assert.Equal("healthy", body.GetProperty("checks").GetProperty("redis").GetProperty("status").GetString());
    }

    [Fact]
    public async Task LoginIs503ProblemWithRetryAfter()
    {
        using var client = factory.CreateClient();

        var response = await client.PostJsonAsync("/login", new { email = ApiTestExtensions.UniqueEmail(), password = "long enough password" });

        var problem = await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("The database is unavailable.", problem.GetProperty("title").GetString());
        Assert.NotNull(response.Headers.RetryAfter);
        // The exception handler's answer still carries what every answer of a limited route carries.
        Assert.StartsWith("\"login\";r=", response.Header("RateLimit"), StringComparison.Ordinal);
        response.AssertSecurityHeaders("default-src 'none'; frame-ancestors 'none'");
    }

    [Fact]
    public async Task ItIsCountedAs503WithItsRouteTemplate()
    {
        using var client = factory.CreateClient();
        await client.PostJsonAsync("/login", new { email = ApiTestExtensions.UniqueEmail(), password = "long enough password" });

        var exposition = await factory.ScrapeAsync();

        Assert.True(exposition.Value("http_requests_total", ("route", "/login"), ("method", "POST"), ("code", "503")) >= 1);
    }

    [Fact]
    public async Task AFailedRequestIsLoggedOnceAsAWarningWithoutErrorLines()
    {
        using var client = factory.CreateClient();

        var response = await client.PostJsonAsync("/login", new { email = ApiTestExtensions.UniqueEmail(), password = "long enough password" });

        var traceId = (await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable)).GetProperty("trace_id").GetString();
        var lines = factory.Logs.Entries.Where(entry => entry.TryGetProperty("trace_id", out var id) && traceId!.Contains(id.GetString()!, StringComparison.Ordinal)).ToList();
        var loud = lines.Where(entry => entry.GetProperty("level").GetString() is "warning" or "error" or "critical").ToList();
        Assert.True(loud.Count == 1 && loud[0].GetProperty("event").GetString() == "database_unavailable",
            $"Expected one database_unavailable warning, got:\n{string.Join('\n', loud)}");
    }

    [Fact]
    public async Task LivenessStaysHealthy()
    {
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/alive");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public sealed class UnreachableDatabaseFactory : StoriesApiFactory
    {
        public UnreachableDatabaseFactory()
        {
            WithSetting($"ConnectionStrings:{ResourceNames.Database}", $"Host=127.0.0.1;Port={ClosedPort()};Username=postgres;Password=x;Database=storiesdb;Timeout=2");
            WithSetting("Database:MigrateOnStartup", "false");
        }

        private static int ClosedPort()
        {
            using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}
