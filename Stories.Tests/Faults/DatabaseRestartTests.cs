using System.Collections.Concurrent;
using System.Net;
using Npgsql;
using Stories.Resources;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Faults;

/// <summary>
/// PostgreSQL goes away under write load and comes back: requests during the outage answer 503
/// problem+json (never another 5xx), the API recovers by itself, and every story it answered 201
/// for is in the database afterwards. The outage is a proxy in front of the shared server refusing
/// and cutting connections — what the API sees when PostgreSQL restarts.
/// </summary>
public sealed class DatabaseRestartTests(DatabaseRestartTests.ProxiedDatabaseFactory factory) : IClassFixture<DatabaseRestartTests.ProxiedDatabaseFactory>
{
    [Fact]
    public async Task OutageUnderLoadAnswers503AndLosesNoAcceptedWrite()
    {
        var authors = new List<TestUser>();
        for (var i = 0; i < 4; i++)
        {
            authors.Add(await factory.SignUpAsync());
        }

        var outcomes = new ConcurrentBag<(HttpStatusCode Status, Guid? StoryId, bool IsProblem, bool HasRetryAfter, bool AfterRecovery)>();
        var recovered = false;
        using var stop = new CancellationTokenSource();

        var load = authors.Select(author => Task.Run(async () =>
        {
            using var client = factory.CreateClientFor(author);
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                var response = await client.PostJsonAsync("/stories", new { text = $"under load {n++}", visibility = "private" });
                var body = await response.Content.ReadAsStringAsync();
                Guid? id = response.StatusCode == HttpStatusCode.Created ? System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid() : null;
                outcomes.Add((response.StatusCode, id, response.Content.Headers.ContentType?.MediaType == "application/problem+json",
                    response.Headers.RetryAfter is not null, Volatile.Read(ref recovered)));
            }
        })).ToList();
        await WaitForAsync(() => outcomes.Count(o => o.Status == HttpStatusCode.Created) >= 20);
        factory.DatabaseProxy.Stop();
        await WaitForAsync(() => outcomes.Count(o => o.Status == HttpStatusCode.ServiceUnavailable) >= 10);
        factory.DatabaseProxy.Start();
        Volatile.Write(ref recovered, true);
        await WaitForAsync(() => outcomes.Count(o => o.AfterRecovery && o.Status == HttpStatusCode.Created) >= 20);
        await stop.CancelAsync();
        await Task.WhenAll(load);

        Assert.All(outcomes, o => Assert.Contains(o.Status, new[] { HttpStatusCode.Created, HttpStatusCode.ServiceUnavailable }));
        Assert.All(outcomes.Where(o => o.Status == HttpStatusCode.ServiceUnavailable), o => Assert.True(o.IsProblem && o.HasRetryAfter));
        var accepted = outcomes.Where(o => o.StoryId is not null).Select(o => o.StoryId!.Value).ToList();
        var stored = await StoredCountAsync(accepted);
        Assert.Equal(accepted.Count, stored);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The load did not reach the expected state within 60 s.");
            await Task.Delay(50);
        }
    }

    /// <summary>Counts the accepted stories straight from PostgreSQL, not through the proxy.</summary>
    private async Task<long> StoredCountAsync(List<Guid> ids)
    {
        await using var connection = new NpgsqlConnection(factory.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select count(*) from stories where id = any(@ids)", connection);
        command.Parameters.AddWithValue("ids", ids.ToArray());
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public sealed class ProxiedDatabaseFactory : StoriesApiFactory
    {
        public ProxiedDatabaseFactory()
        {
            var server = new NpgsqlConnectionStringBuilder(TestServices.Database);
            DatabaseProxy = new TcpProxy(server.Host!, server.Port);
            var proxied = new NpgsqlConnectionStringBuilder(DatabaseConnectionString) { Host = "127.0.0.1", Port = DatabaseProxy.Port, Timeout = 3, CommandTimeout = 5 };
            WithSetting($"ConnectionStrings:{ResourceNames.Database}", proxied.ConnectionString);
        }

        public TcpProxy DatabaseProxy { get; }

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            await DatabaseProxy.DisposeAsync();
        }
    }
}
