using System.Collections.Concurrent;

namespace Stories.Api.Features.Events;

/// <summary>
/// The streams open on this replica, by user, and the dispatch of an event to all of a user's
/// streams. Dispatch takes no lock and never waits (each connection has its own bounded queue), so
/// the Redis subscriber and publishing requests pass through it in microseconds.
/// </summary>
public sealed class EventHub
{
    private readonly Lock _changes = new();
    private readonly ConcurrentDictionary<Guid, UserStreams> _users = new();

    /// <summary>Adds the stream unless its user already has <paramref name="max"/> open here.</summary>
    public bool TryAdd(EventConnection connection, int max)
    {
        lock (_changes)
        {
            var user = _users.GetOrAdd(connection.UserId, _ => new UserStreams());
            if (user.Connections.Length >= max)
            {
                return false;
            }

            user.Connections = [.. user.Connections, connection];
            return true;
        }
    }

    public void Remove(EventConnection connection)
    {
        lock (_changes)
        {
            if (!_users.TryGetValue(connection.UserId, out var user))
            {
                return;
            }

            user.Connections = [.. user.Connections.Where(open => open != connection)];
            if (user.Connections.Length == 0)
            {
                _users.TryRemove(connection.UserId, out _);
            }
        }
    }

    /// <summary>Queues the event on every stream its recipient has open on this replica.</summary>
    public void Deliver(Guid userId, EventFrame frame)
    {
        if (!_users.TryGetValue(userId, out var user))
        {
            return;
        }

        if (frame.Id is { } id)
        {
            user.Observe(id);
        }

        foreach (var connection in user.Connections)
        {
            connection.Deliver(frame);
        }
    }

    /// <summary>Records an id the user's streams have seen by another path (a replay).</summary>
    public void Observe(Guid userId, long id)
    {
        if (_users.TryGetValue(userId, out var user))
        {
            user.Observe(id);
        }
    }

    /// <summary>
    /// An id for an event that could not get one from Redis: above every id this replica has seen for
    /// the user, and otherwise the current millisecond times 1,000 — the same shape as Redis-assigned
    /// ids (see <see cref="EventLog"/>), so ids stay increasing for the user's streams here.
    /// </summary>
    public long NextLocalId(Guid userId, DateTimeOffset now)
    {
        var floor = now.ToUnixTimeMilliseconds() * 1000;
        return _users.TryGetValue(userId, out var user) ? user.Next(floor) : floor;
    }

    private sealed class UserStreams
    {
        private long _lastId;

        /// <summary>Replaced, never mutated, so dispatch can enumerate it without a lock.</summary>
        public volatile EventConnection[] Connections = [];

        public void Observe(long id)
        {
            var last = Volatile.Read(ref _lastId);
            while (id > last)
            {
                var seen = Interlocked.CompareExchange(ref _lastId, id, last);
                if (seen == last)
                {
                    return;
                }

                last = seen;
            }
        }

        public long Next(long floor)
        {
            while (true)
            {
                var last = Volatile.Read(ref _lastId);
                var next = Math.Max(last + 1, floor);
                if (Interlocked.CompareExchange(ref _lastId, next, last) == last)
                {
                    return next;
                }
            }
        }
    }
}
