using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Stories.Data;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Data;

/// <summary>
/// The EF baseline migration against the schema the five hand-written migrations left, kept as
/// <c>hand-written-schema.sql</c> (a <c>pg_dump</c> of a database they migrated).
/// </summary>
public sealed class SchemaBaselineTests(StoriesApiFactory factory) : IClassFixture<StoriesApiFactory>
{
    /// <summary>The first EF migration: the schema the hand-written ones left. Later migrations build on it.</summary>
    private const string BaselineMigration = "20261203185429_Baseline";

    private static readonly string s_handWrittenSchema =
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", "hand-written-schema.sql"));

    [Fact]
    public void TheModelHasNoChangeThatAMigrationDoesNotCarry()
    {
        using var db = new StoriesDbContext(factory.Services.GetRequiredService<DbContextOptions<StoriesDbContext>>());

        Assert.False(
            db.Database.HasPendingModelChanges(),
            "The model differs from the migrations' snapshot: add a migration with " +
            "`dotnet ef migrations add <Name> --project Stories.Data` (README, 'Schema changes').");
    }

    [Fact]
    public async Task TheBaselineCreatesExactlyTheSchemaTheHandWrittenMigrationsLeft()
    {
        await using var handWritten = await ScratchDatabase.CreateAsync();
        await handWritten.ExecuteAsync(s_handWrittenSchema);
        await using var baseline = await ScratchDatabase.CreateAsync();

        await baseline.MigrateAsync(BaselineMigration);

        Assert.Equal(await handWritten.CatalogAsync(), await baseline.CatalogAsync());
    }

    [Fact]
    public async Task ADatabaseTheHandWrittenMigrationsMadeIsAdoptedByTheBaselineWithItsSchemaAndRowsUnchanged()
    {
        await using var database = await ScratchDatabase.CreateAsync();
        await database.ExecuteAsync(s_handWrittenSchema);
        await database.ExecuteAsync("""
            insert into users (id, email, password_hash, handle, created_at)
            values ('0193a0a0-0000-7000-8000-000000000001', 'kept@example.com', 'hash', 'kept_user', now());
            """);
        await using var fresh = await ScratchDatabase.CreateAsync();
        await fresh.MigrateAsync();

        await database.MigrateAsync();

        // Adopted, not re-created: the migrations after the baseline applied on top, ending where a new
        // database ends (the baseline itself changes nothing: the test above), the rows kept.
        await using var db = database.NewContext();
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
        Assert.Equal(await fresh.CatalogAsync(), await database.CatalogAsync());
        Assert.Equal("kept_user", await db.Users.Select(user => user.Handle).SingleAsync());

        // Adopted once: a second start finds nothing to do.
        await database.MigrateAsync();
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
    }

    [Fact]
    public async Task ADatabaseStoppedAtAnEarlierHandWrittenMigrationIsRefusedWithTheWayForward()
    {
        await using var database = await ScratchDatabase.CreateAsync();
        await database.ExecuteAsync(s_handWrittenSchema);
        await database.ExecuteAsync("""
            delete from "__EFMigrationsHistory" where "MigrationId" in ('20261125000000_DueStoriesIndex', '20261203000000_Blocks');
            """);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => database.MigrateAsync());

        Assert.Contains("20261124000000_ActiveStoryLookups", error.Message, StringComparison.Ordinal);
        Assert.Contains("3da9230", error.Message, StringComparison.Ordinal);
        await using var db = database.NewContext();
        Assert.DoesNotContain(BaselineMigration, await db.Database.GetAppliedMigrationsAsync());
    }

    /// <summary>A database of its own on the test server, dropped on dispose.</summary>
    private sealed class ScratchDatabase : IAsyncDisposable
    {
        private readonly string _name = $"stories_schema_{Guid.NewGuid():N}";

        public static async Task<ScratchDatabase> CreateAsync()
        {
            var database = new ScratchDatabase();
            await TestServices.CreateDatabaseAsync(database._name);
            return database;
        }

        public StoriesDbContext NewContext() =>
            new(new DbContextOptionsBuilder<StoriesDbContext>().UseNpgsql(TestServices.DatabaseNamed(_name)).Options);

        /// <summary>Migrates as a replica starts (to the last migration), or a new database to <paramref name="target"/>.</summary>
        public async Task MigrateAsync(string? target = null)
        {
            await using var db = NewContext();
            if (target is null)
            {
                await db.Database.MigrateExclusivelyAsync();
            }
            else
            {
                await db.Database.MigrateAsync(target);
            }
        }

        /// <summary>Runs SQL on a connection of its own: a pg_dump script changes the session's search_path.</summary>
        public async Task ExecuteAsync(string sql)
        {
            await using var connection = new NpgsqlConnection(
                new NpgsqlConnectionStringBuilder(TestServices.DatabaseNamed(_name)) { Pooling = false }.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }

        /// <summary>
        /// Every column (position, type, nullability, default, generated expression), constraint and
        /// index of the public schema as PostgreSQL itself prints them, one line each, sorted.
        /// </summary>
        public async Task<IReadOnlyList<string>> CatalogAsync()
        {
            await using var db = NewContext();
            return await db.Database.SqlQueryRaw<string>("""
                select concat_ws(' | ', 'column', table_name, ordinal_position, column_name, data_type,
                                 is_nullable, column_default, generation_expression) as "Value"
                from information_schema.columns where table_schema = 'public'
                union all
                select concat_ws(' | ', 'constraint', conrelid::regclass, conname, pg_get_constraintdef(oid))
                from pg_constraint where connamespace = 'public'::regnamespace
                union all
                select concat_ws(' | ', 'index', tablename, indexname, indexdef)
                from pg_indexes where schemaname = 'public'
                order by 1
                """).ToListAsync();
        }

        public async ValueTask DisposeAsync() => await TestServices.DropDatabaseAsync(_name);
    }
}
