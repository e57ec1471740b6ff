namespace Stories.Api.Infrastructure;

public static class Clock
{
    /// <summary>
    /// Now, cut to whole microseconds — PostgreSQL's precision — so a time the API returns equals
    /// the one it stored and later reads back (cursors compare them exactly).
    /// </summary>
    public static DateTimeOffset GetUtcNowMicroseconds(this TimeProvider time)
    {
        var now = time.GetUtcNow();
        return new DateTimeOffset(now.UtcTicks - (now.UtcTicks % 10), TimeSpan.Zero);
    }
}
