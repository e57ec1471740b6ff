using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Stories.Data;
using Stories.Resources;
using Stories.Worker.Expiry;
using Stories.Worker.Retention;

namespace Stories.Tests.Infrastructure;

/// <summary>
/// The worker exactly as its Program.cs builds it, over its own fresh, migrated PostgreSQL database
/// and its own S3 bucket, with a movable clock and captured JSON logs. The expiry and retention
/// loops are taken out so that each test runs the sweep it means to; tests of the loops start one
/// themselves with <see cref="CreateLoop{T}"/>. One per test class.
/// </summary>
public class WorkerFactory : WebApplicationFactory<ExpirySweeper>, IAsyncLifetime
{
    private readonly Dictionary<string, string?> _settings = [];

    public WorkerFactory()
    {
        DatabaseName = $"stories_test_{Guid.NewGuid():N}";
        Bucket = $"worker-test-{Guid.NewGuid():N}";
    }

    public string DatabaseName { get; }

    /// <summary>A direct connection to this factory's database, for arranging rows and asserting on them.</summary>
    public string DatabaseConnectionString => TestServices.DatabaseNamed(DatabaseName);

    public string Bucket { get; }

    public ManualTimeProvider Clock { get; } = new();

    public CapturedLogs Logs { get; } = new();

    /// <summary>A client of the test storage, for putting and looking at objects in <see cref="Bucket"/>.</summary>
    public IAmazonS3 Storage { get; } = TestStorage.CreateClient();

    /// <summary>Overrides a configuration value; call before the host starts (in the derived factory's constructor).</summary>
    public WorkerFactory WithSetting(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    public T GetService<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>A new instance of a loop (<see cref="ExpiryService"/>, <see cref="RetentionService"/>) over this host's services; the test starts and stops it.</summary>
    public T CreateLoop<T>() where T : BackgroundService => ActivatorUtilities.CreateInstance<T>(Services);

    public virtual async Task InitializeAsync()
    {
        await TestServices.CreateDatabaseAsync(DatabaseName);
        var options = new DbContextOptionsBuilder<StoriesDbContext>()
            .UseNpgsql(DatabaseConnectionString)
            .ConfigureWarnings(warnings => warnings.Ignore(RelationalEventId.PendingModelChangesWarning))
            .Options;
        await using (var db = new StoriesDbContext(options))
        {
            await db.Database.MigrateAsync();
        }

        await Storage.PutBucketAsync(Bucket);
    }

    public new virtual async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await TestServices.DropDatabaseAsync(DatabaseName);
        await EmptyBucketAsync();
        await Storage.DeleteBucketAsync(Bucket);
        Storage.Dispose();
    }

    /// <summary>Every test starts from here: no users, stories or keys, an empty bucket, the real time, no logs.</summary>
    public async Task ResetAsync()
    {
        await ExecuteAsync("truncate users, stories, idempotency_keys cascade");
        await EmptyBucketAsync();
        Clock.Resume();
        Clock.SetUtcNow(TimeProvider.System.GetUtcNow());
        Logs.Clear();
    }

    /// <summary>
    /// Stops the clock at the current whole second and returns it: PostgreSQL keeps microseconds, so
    /// a whole second compares exactly after the round trip.
    /// </summary>
    public DateTimeOffset FreezeClock()
    {
        var now = TimeProvider.System.GetUtcNow();
        var second = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        Clock.Freeze();
        Clock.SetUtcNow(second);
        return second;
    }

    public async Task<int> ExecuteAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = Command(connection, sql, parameters);
        return await command.ExecuteNonQueryAsync();
    }

    public async Task<T> ScalarAsync<T>(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"No row from: {sql}");
        // timestamptz reads as DateTimeOffset this way, and SQL null as null.
        return await reader.IsDBNullAsync(0) ? default! : await reader.GetFieldValueAsync<T>(0);
    }

    public async Task<Guid> SeedUserAsync()
    {
        var id = Guid.NewGuid();
        await ExecuteAsync(
            "insert into users (id, email, password_hash, handle, created_at) values (@id, @email, 'x', @handle, now())",
            ("id", id), ("email", $"{id:N}@example.com"), ("handle", $"u{id:N}"[..30]));
        return id;
    }

    /// <summary>A story of <paramref name="authorId"/> that expires at <paramref name="expiresAt"/> (posted a day before).</summary>
    public async Task<Guid> SeedStoryAsync(Guid authorId, DateTimeOffset expiresAt, DateTimeOffset? deletedAt = null, string? mediaKey = null)
    {
        var id = Guid.NewGuid();
        await ExecuteAsync(
            """
            insert into stories (id, author_id, text, media_key, visibility, created_at, expires_at, deleted_at)
            values (@id, @author, 'a story', @media, 'public', @expires - interval '24 hours', @expires, @deleted)
            """,
            ("id", id), ("author", authorId), ("media", mediaKey), ("expires", expiresAt), ("deleted", deletedAt));
        return id;
    }

    public async Task PutObjectAsync(string key) =>
        await Storage.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = key, ContentBody = "media bytes", ContentType = "image/jpeg" });

    public async Task<bool> ObjectExistsAsync(string key)
    {
        try
        {
            await Storage.GetObjectMetadataAsync(Bucket, key);
            return true;
        }
        catch (AmazonS3Exception exception) when (exception.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting($"ConnectionStrings:{ResourceNames.Database}", DatabaseConnectionString);
        builder.UseSetting($"ConnectionStrings:{ResourceNames.Storage}", TestServices.Storage);
        builder.UseSetting("Storage:Bucket", Bucket);
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services =>
        {
            // Several registrations of the system clock may exist (service defaults, health checks); none may win.
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Clock);
            services.AddSingleton<ILoggerProvider>(Logs);
            var loops = services.Where(service => service.ServiceType == typeof(IHostedService)
                && (service.ImplementationType == typeof(ExpiryService) || service.ImplementationType == typeof(RetentionService))).ToList();
            foreach (var loop in loops)
            {
                services.Remove(loop);
            }
        });
    }

    private async Task EmptyBucketAsync()
    {
        var listing = await Storage.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket });
        foreach (var item in listing.S3Objects ?? [])
        {
            await Storage.DeleteObjectAsync(Bucket, item.Key);
        }
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }
}
