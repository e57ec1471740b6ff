namespace Stories.Tests.Infrastructure;

/// <summary>
/// The real clock plus an offset the test moves (Microsoft.Extensions.TimeProvider.Testing is not on
/// the package copy). Time keeps flowing, so rows created one after another stay ordered; a test
/// that needs one instant for several rows freezes it and lets go afterwards.
/// </summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private readonly Lock _lock = new();
    private TimeSpan _offset;
    private DateTimeOffset? _frozenAt;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock)
        {
            return _frozenAt ?? System.GetUtcNow() + _offset;
        }
    }

    public void Advance(TimeSpan by)
    {
        lock (_lock)
        {
            _offset += by;
            _frozenAt += by;
        }
    }

    public void SetUtcNow(DateTimeOffset now)
    {
        lock (_lock)
        {
            _offset = now - System.GetUtcNow();
            if (_frozenAt is not null)
            {
                _frozenAt = now;
            }
        }
    }

    /// <summary>Stops time at the current instant until <see cref="Resume"/>.</summary>
    public void Freeze()
    {
        lock (_lock)
        {
            _frozenAt ??= System.GetUtcNow() + _offset;
        }
    }

    /// <summary>Lets time flow again from where it was frozen.</summary>
    public void Resume()
    {
        lock (_lock)
        {
            if (_frozenAt is { } frozen)
            {
                _offset = frozen - System.GetUtcNow();
                _frozenAt = null;
            }
        }
    }
}
