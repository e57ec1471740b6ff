using Npgsql;
using Stories.Resources;

namespace Stories.Tests.Infrastructure;

/// <summary>
/// The real PostgreSQL, Redis and S3 servers the tests run against, found through the same
/// connection-string variables Aspire injects. <c>make test</c> starts them; run by hand,
/// <c>make services</c> then <c>eval "$(scripts/services.sh env)"</c>.
/// </summary>
public static class TestServices
{
    public static string Database => Require(ResourceNames.Database);

    public static string Cache => Require(ResourceNames.Cache);

    public static string Storage => Require(ResourceNames.Storage);

    /// <summary>A connection string to a database of the given name on the test server.</summary>
    public static string DatabaseNamed(string name) =>
        new NpgsqlConnectionStringBuilder(Database) { Database = name, Pooling = true }.ConnectionString;

    public static async Task CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(DatabaseNamed("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"create database \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task DropDatabaseAsync(string name)
    {
        // No NpgsqlConnection.ClearAllPools() here: it closes every pool in the process, including those of
        // the test classes still running beside this one (PreparedStatementsTests lost its one connection,
        // and the statements prepared on it, that way in CI). WITH (FORCE) ends this database's sessions,
        // and a pooled connection to a dropped database is never asked for again.
        await using var connection = new NpgsqlConnection(DatabaseNamed("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"drop database if exists \"{name}\" with (force)", connection);
        await command.ExecuteNonQueryAsync();
    }

    private static string Require(string resource)
    {
        var variable = $"ConnectionStrings__{resource}";
        var value = Environment.GetEnvironmentVariable(variable);
        return string.IsNullOrWhiteSpace(value)
            ? throw new InvalidOperationException(
                $"{variable} is not set, so the tests cannot reach a real server. Run the suite with `make test` " +
                "(it starts PostgreSQL, Redis and Ceph RGW locally), or start them with `make services` and " +
                "load their connection strings with: eval \"$(scripts/services.sh env)\"")
            : value;
    }
}
