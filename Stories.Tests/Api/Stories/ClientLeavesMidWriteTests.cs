using System.Net.Http.Json;
using Npgsql;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Stories;

/// <summary>
/// A client that hangs up while its story is being written is no error of the service: nothing at
/// error level in the log (an operator's alert would fire on every impatient client otherwise).
/// </summary>
public sealed class ClientLeavesMidWriteTests(StoriesApiFactory factory) : IClassFixture<StoriesApiFactory>
{
    [Fact]
    public async Task AClientLeavingWhileItsStoryIsWrittenLeavesNoErrorInTheLog()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        // Holds the story's INSERT: EXCLUSIVE conflicts with the insert's ROW EXCLUSIVE, not with reads.
        await using var blocker = new NpgsqlConnection(factory.DatabaseConnectionString);
        await blocker.OpenAsync();
        await using var holding = await blocker.BeginTransactionAsync();
        await using (var lockStories = new NpgsqlCommand("lock table stories in exclusive mode", blocker, holding))
        {
            await lockStories.ExecuteNonQueryAsync();
        }

        using var hangUp = new CancellationTokenSource();
        var posting = client.PostAsJsonAsync("/stories", new { text = "gone before the answer", visibility = "public" }, hangUp.Token);
        await WaitForAsync(blocker, waiting: true);
        await hangUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => posting);
        // The API cancels the waiting insert once it notices the closed connection.
        await WaitForAsync(blocker, waiting: false);
        await holding.RollbackAsync();
        await Task.Delay(TimeSpan.FromMilliseconds(500));

        var errors = factory.Logs.Entries.Where(entry => entry.GetProperty("level").GetString() is "error" or "critical").ToList();
        Assert.True(errors.Count == 0, $"error-level lines: {string.Join('\n', errors)}");
    }

    /// <summary>Waits until another session is (or is no longer) waiting for a lock on the stories table.</summary>
    private static async Task WaitForAsync(NpgsqlConnection connection, bool waiting)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            await using var count = new NpgsqlCommand(
                "select count(*) from pg_locks l join pg_class c on c.oid = l.relation where c.relname = 'stories' and not l.granted", connection);
            if ((long)(await count.ExecuteScalarAsync(timeout.Token))! > 0 == waiting)
            {
                return;
            }

            await Task.Delay(50, timeout.Token);
        }
    }
}
