using System.Diagnostics;

namespace Stories.Tests.Infrastructure;

/// <summary>
/// Counts the commands Npgsql itself sends to one database with one text (or texts a predicate accepts), from its own trace source —
/// whatever code sends them (EF Core or a bare <c>NpgsqlConnection</c> such as the database health check).
/// Other test classes' commands go to other databases and are not counted.
/// </summary>
public sealed class NpgsqlCommandCounter : IDisposable
{
    private readonly ActivityListener _listener;
    private int _count;

    public NpgsqlCommandCounter(string database, string commandText)
        : this(database, text => text == commandText)
    {
    }

    public NpgsqlCommandCounter(string database, Func<string, bool> matches)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                if (activity.GetTagItem("db.namespace") as string == database && activity.GetTagItem("db.query.text") is string text && matches(text))
                {
                    Interlocked.Increment(ref _count);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public int Count => Volatile.Read(ref _count);

    public void Dispose() => _listener.Dispose();
}
