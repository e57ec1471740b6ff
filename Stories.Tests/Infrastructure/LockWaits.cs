namespace Stories.Tests.Infrastructure;

/// <summary>Waits for the API to be blocked on a row lock the test holds (see <see cref="UncommittedDelete"/>).</summary>
public static class LockWaits
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);

    /// <summary>Until a session of the factory's database waits for a lock, or fails the test after 20 s.</summary>
    public static async Task UntilASessionWaitsForALockAsync(StoriesApiFactory factory)
    {
        var deadline = DateTime.UtcNow + s_timeout;
        while (await factory.ScalarAsync<long>(
            "select count(*) from pg_stat_activity where datname = @database and wait_event_type = 'Lock'", ("database", factory.DatabaseName)) == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"No session of {factory.DatabaseName} waited for a lock within {s_timeout}.");
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }
}
