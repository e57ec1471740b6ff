using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;
using Stories.Resources;

namespace Stories.Tests.Infrastructure;

/// <summary>
/// The API on a real Kestrel socket (streams, body limits and timeouts behave as in production)
/// over its own fresh PostgreSQL database, migrated by the API's own startup code. One per test
/// class, so no class sees another's rows.
/// </summary>
public class StoriesApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string SigningKey = "test-signing-key-that-is-long-enough-for-hs256-and-for-hs512-as-well";
    public const string Issuer = "stories";
    public const string Audience = "stories-clients";

    private readonly Dictionary<string, string?> _settings = [];
    private readonly bool _isReplica;

    public StoriesApiFactory()
    {
        DatabaseName = $"stories_test_{Guid.NewGuid():N}";
        UseKestrel();
    }

    /// <summary>
    /// A second replica of <paramref name="primary"/>'s API: the same database and Redis keyspace, its
    /// own host (process state, Redis connection, clock). The primary creates and drops the database,
    /// so dispose the replica first. Not public: xunit wants one public constructor on a class fixture.
    /// </summary>
    internal StoriesApiFactory(StoriesApiFactory primary)
    {
        DatabaseName = primary.DatabaseName;
        _isReplica = true;
        UseKestrel();
    }

    public string DatabaseName { get; }

    public string DatabaseConnectionString => TestServices.DatabaseNamed(DatabaseName);

    /// <summary>This factory's own Redis keyspace; a second host given the same prefix shares its buckets and caches.</summary>
    public string RedisKeyPrefix => $"test:{DatabaseName}:";

    public ManualTimeProvider Clock { get; } = new();

    /// <summary>Every log line the API wrote, as its JSON console formatter renders it.</summary>
    public LogCapture Logs { get; } = new();

    /// <summary>Overrides a configuration value; call before the first client is created.</summary>
    public StoriesApiFactory WithSetting(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    /// <summary>Runs one scalar query against this factory's database, for asserting what was stored.</summary>
    public async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    public virtual async Task InitializeAsync()
    {
        if (!_isReplica)
        {
            await TestServices.CreateDatabaseAsync(DatabaseName);
        }

        StartServer();
    }

    public new virtual async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (!_isReplica)
        {
            await TestServices.DropDatabaseAsync(DatabaseName);
        }
    }

    /// <summary>Disposes a factory whose <see cref="InitializeAsync"/> threw: there is no host to stop, only the database to drop.</summary>
    public async Task DisposeAfterFailedStartupAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        catch (InvalidOperationException)
        {
            // The host never started; there is nothing to stop. The database is dropped below regardless.
        }

        if (!_isReplica)
        {
            await TestServices.DropDatabaseAsync(DatabaseName);
        }
    }

    /// <summary>No request may hang a test run: each gives up after 30 s.</summary>
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.Timeout = TimeSpan.FromSeconds(30);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        // A free port, named as the API's own address setting (not forced on the server by UseKestrel(0)),
        // so that the API adds a management port to it as it does deployed.
        builder.UseSetting("urls", "http://127.0.0.1:0");
        builder.UseSetting($"ConnectionStrings:{ResourceNames.Database}", DatabaseConnectionString);
        builder.UseSetting($"ConnectionStrings:{ResourceNames.Cache}", TestServices.Cache);
        builder.UseSetting($"ConnectionStrings:{ResourceNames.Storage}", TestServices.Storage);
        // Each factory gets its own Redis keyspace: no class sees another's buckets, caches or events.
        builder.UseSetting("Redis:KeyPrefix", RedisKeyPrefix);
        builder.UseSetting("Jwt:SigningKey", SigningKey);
        builder.UseSetting("Jwt:Issuer", Issuer);
        builder.UseSetting("Jwt:Audience", Audience);
        // The cheapest bcrypt cost keeps sign-ups fast; the cost itself is asserted by its own test.
        builder.UseSetting("Passwords:BcryptCost", "4");
        // Rate limits have their own tests, with small limits; elsewhere they would throttle the tests' own set-up.
        foreach (var policy in new[] { "Stories", "Reactions", "Login", "Signup", "login_email", "uploads", "search", "follows", "tickets", "deletes", "views", "upload_kib" })
        {
            builder.UseSetting($"RateLimits:{policy}:PermitsPerMinute", "1000000");
        }

        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services =>
        {
            services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Clock));
            services.AddSingleton<ILoggerProvider>(Logs);
        });
    }
}
