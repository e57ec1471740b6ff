using Microsoft.EntityFrameworkCore;
using Npgsql;
using Stories.Data;

namespace Stories.Tests.Infrastructure;

/// <summary>A database of its own on the test server, for a test that needs a schema or statistics to itself; dropped on dispose.</summary>
public sealed class ScratchDatabase : IAsyncDisposable
{
    private readonly string _name = $"stories_scratch_{Guid.NewGuid():N}";

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
        // A seed of many rows may take a while on a busy machine.
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 120 };
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
