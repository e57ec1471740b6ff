using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Stories.Data.Migrations;
using Stories.Resources;

namespace Stories.Data;

public static class DataExtensions
{
    private static readonly TimeSpan s_migrationLockPollInterval = TimeSpan.FromMilliseconds(200);

    // Npgsql's spellings of the keyword (case-insensitive in DbConnectionStringBuilder).
    private static readonly string[] s_maxPoolSizeKeywords = ["Maximum Pool Size", "MaxPoolSize"];

    /// <summary>
    /// Registers a pooled <see cref="StoriesDbContext"/> over <c>ConnectionStrings:storiesdb</c>, the
    /// name and format Aspire injects (<c>Host=…;Port=…;Username=…;Password=…;Database=storiesdb</c>),
    /// and the <see cref="DatabaseOptions"/> it is used with.
    /// </summary>
    public static IHostApplicationBuilder AddStoriesDbContext(this IHostApplicationBuilder builder)
    {
        builder.Services.AddDbContextPool<StoriesDbContext>(Configure);
        return builder.AddDatabaseOptions().EnrichStoriesDbContext();
    }

    /// <summary>The same context as <see cref="AddStoriesDbContext"/>, from a pooled factory, for singletons such as the worker's sweeper.</summary>
    public static IHostApplicationBuilder AddStoriesDbContextFactory(this IHostApplicationBuilder builder)
    {
        builder.Services.AddPooledDbContextFactory<StoriesDbContext>(Configure);
        return builder.AddDatabaseOptions().EnrichStoriesDbContext();
    }

    /// <summary>
    /// Validated when the host starts, and again when the first context is configured — before the
    /// host starts if the API migrates — so a bad value stops either service with the setting named.
    /// </summary>
    private static IHostApplicationBuilder AddDatabaseOptions(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        return builder;
    }

    /// <summary>
    /// Aspire's PostgreSQL integration adds Npgsql's spans and metrics (and EF Core's counters) and the
    /// <c>Aspire:Npgsql:EntityFrameworkCore:PostgreSQL</c> settings section to the context registered
    /// above. Registered by us rather than by <c>AddNpgsqlDbContext</c> so that the worker gets a
    /// pooled factory, interceptors from DI join every context and the pool cap applies. Two of its
    /// defaults are turned off:
    /// <list type="bullet">
    /// <item>Retries. EF's retrying strategy refuses the explicit transactions of story creation and
    /// search (their statement timeout), and a retried commit whose first attempt did land cannot be
    /// told apart from one that did not;
    /// a failed call instead ends as a 503 that the client retries (story creation with its
    /// Idempotency-Key), as the README documents.</item>
    /// <item>Its health check, which resolves a scoped context — the worker registers only a
    /// factory. <see cref="DatabaseHealthCheck"/> serves both services from the same pool.</item>
    /// </list>
    /// </summary>
    private static IHostApplicationBuilder EnrichStoriesDbContext(this IHostApplicationBuilder builder)
    {
        builder.EnrichNpgsqlDbContext<StoriesDbContext>(settings =>
        {
            settings.DisableRetry = true;
            settings.DisableHealthChecks = true;
            // Spans only where they are exported, as the service defaults decide for requests (ADR 0013).
            settings.DisableTracing = string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        });
        return builder;
    }

    private static void Configure(IServiceProvider services, DbContextOptionsBuilder options) => options
        .UseNpgsql(GetConnectionString(services.GetRequiredService<IConfiguration>(), services.GetRequiredService<IOptions<DatabaseOptions>>().Value))
        // Interceptors registered in DI (diagnostics, tests that count statements) join every context.
        .AddInterceptors(services.GetServices<IInterceptor>())
        // Statements tagged for it are prepared on their connection (PreparedStatements).
        .AddInterceptors(PreparedStatements.Interceptor)
        .ConfigureWarnings(warnings => warnings
            // A failed database call ends in an exception that its caller logs once, with its context:
            // the API's database_unavailable warning or its unhandled-exception error, the worker's sweep
            // and cleanup failures. EF's own error lines for the same failure, stack traces included,
            // tripled the log of every request that failed during a PostgreSQL outage (~15 KB each).
            .Log(
                (RelationalEventId.ConnectionError, LogLevel.Debug),
                (RelationalEventId.CommandError, LogLevel.Debug),
                (RelationalEventId.TransactionError, LogLevel.Debug),
                (CoreEventId.QueryIterationFailed, LogLevel.Debug),
                (CoreEventId.SaveChangesFailed, LogLevel.Debug)));

    /// <summary>
    /// <c>ConnectionStrings:storiesdb</c> with the connection pool capped at <c>Database:MaxPoolSize</c>
    /// (<see cref="DatabaseOptions.MaxPoolSize"/>) unless the connection string sets its own maximum.
    /// Npgsql's default of 100 a process lets two API replicas and the worker open 300 connections
    /// against PostgreSQL's default <c>max_connections</c> of 100, and on a small server runs more
    /// backends than it has cores: the SSE benchmark's median went from 83 to ≈ 10 ms with 8
    /// (docs/benchmarks.md). Requests beyond the cap wait in the pool, in process.
    /// </summary>
    public static string GetConnectionString(IConfiguration configuration, DatabaseOptions options)
    {
        var connectionString = configuration.GetConnectionString(ResourceNames.Database);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{ResourceNames.Database} is not set. Under Aspire it is injected; " +
                $"otherwise set ConnectionStrings__{ResourceNames.Database} (see README, 'Configuration').");
        }

        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (s_maxPoolSizeKeywords.Any(given.ContainsKey))
        {
            return connectionString;
        }

        return new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = options.MaxPoolSize }.ConnectionString;
    }

    /// <summary>
    /// Applies pending migrations so that several replicas starting together apply each migration
    /// exactly once (see <see cref="MigrateExclusivelyAsync"/>).
    /// </summary>
    public static async Task MigrateStoriesDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoriesDbContext>();
        await db.Database.MigrateExclusivelyAsync(cancellationToken);
    }

    /// <summary>
    /// Applies pending migrations while holding a PostgreSQL session-level advisory lock. EF Core's own
    /// migration lock (<c>LOCK TABLE "__EFMigrationsHistory"</c>) is transaction-scoped: it is released
    /// when the first pending migration commits, while that replica goes on applying the rest from the
    /// list it read before — so with two or more pending migrations a second replica applies them too
    /// and fails ("relation … already exists"). Under this lock each replica reads the history only
    /// after the previous one has finished. A database the hand-written migrations made is first
    /// adopted by the baseline (<see cref="HandWrittenHistory"/>).
    /// </summary>
    public static async Task MigrateExclusivelyAsync(this DatabaseFacade database, CancellationToken cancellationToken = default)
    {
        // The lock needs a connection to the database, so a missing database is created first (as
        // MigrateAsync alone would); replicas racing to create it all succeed.
        var creator = database.GetService<IRelationalDatabaseCreator>();
        if (!await creator.ExistsAsync(cancellationToken))
        {
            try
            {
                await creator.CreateAsync(cancellationToken);
            }
            catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.DuplicateDatabase)
            {
                // Another replica created it first.
            }
        }

        // The lock belongs to this connection; opening it here keeps EF Core from closing it in between.
        await database.OpenConnectionAsync(cancellationToken);
        try
        {
            await AcquireMigrationLockAsync(database, cancellationToken);
            try
            {
                await HandWrittenHistory.AdoptAsync(database, cancellationToken);
                await database.MigrateAsync(cancellationToken);
            }
            finally
            {
                await database.ExecuteSqlRawAsync("select pg_advisory_unlock(hashtextextended('stories:migrations', 0))", CancellationToken.None);
            }
        }
        finally
        {
            await database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// Polls for the advisory lock instead of blocking in <c>pg_advisory_lock</c>: a session blocked in
    /// a statement keeps a snapshot open, and a migration that builds an index <c>concurrently</c> waits
    /// for every older snapshot in the database — including that of a replica waiting for the lock
    /// the migrating replica holds, a deadlock.
    /// </summary>
    private static async Task AcquireMigrationLockAsync(DatabaseFacade database, CancellationToken cancellationToken)
    {
        await using var command = database.GetDbConnection().CreateCommand();
        command.CommandText = "select pg_try_advisory_lock(hashtextextended('stories:migrations', 0))";
        while (await command.ExecuteScalarAsync(cancellationToken) is not true)
        {
            await Task.Delay(s_migrationLockPollInterval, cancellationToken);
        }
    }
}
