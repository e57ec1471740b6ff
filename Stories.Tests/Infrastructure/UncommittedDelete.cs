using Npgsql;

namespace Stories.Tests.Infrastructure;

/// <summary>
/// A row deleted in a transaction the test holds open: the API still sees the row (MVCC), and a write
/// that must lock it — a foreign-key check — waits until <see cref="CommitAsync"/>, then finds it gone.
/// This opens, deterministically, the window between a request's read and its write.
/// </summary>
public sealed class UncommittedDelete : IAsyncDisposable
{
    private readonly StoriesApiFactory _factory;
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;

    private UncommittedDelete(StoriesApiFactory factory, NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        _factory = factory;
        _connection = connection;
        _transaction = transaction;
    }

    public static async Task<UncommittedDelete> StoryAsync(StoriesApiFactory factory, Guid storyId)
    {
        var connection = new NpgsqlConnection(factory.DatabaseConnectionString);
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using var delete = new NpgsqlCommand("delete from stories where id = @id", connection, transaction);
        delete.Parameters.AddWithValue("id", storyId);
        Assert.Equal(1, await delete.ExecuteNonQueryAsync());
        return new UncommittedDelete(factory, connection, transaction);
    }

    /// <summary>Returns once a session of the database waits on a lock: the API's write, on our row.</summary>
    public Task WaitForAWriterAsync() => LockWaits.UntilASessionWaitsForALockAsync(_factory);

    public Task CommitAsync() => _transaction.CommitAsync();

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
