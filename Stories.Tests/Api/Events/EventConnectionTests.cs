using Stories.Api.Features.Events;

using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Events;

/// <summary>
/// The slow-consumer policy, on the connection itself: over HTTP a client that stops reading is
/// hidden for megabytes behind socket buffers, so this is the one place it can be shown exactly.
/// </summary>
[Trait("Category", TestCategories.RedisCluster)]
public sealed class EventConnectionTests
{
    [Fact]
    public async Task ConnectionThatFallsAFullBufferBehindIsClosedRatherThanSkipped()
    {
        var released = 0;
        var connection = new EventConnection(
            Guid.NewGuid(), "sse", DateTimeOffset.MaxValue, bufferSize: 8, _ => { released++; return ValueTask.CompletedTask; }, CancellationToken.None);

        for (var id = 1; id <= 8; id++)
        {
            connection.Deliver(new EventFrame(id, "story.reacted", "{}"));
        }

        var closing = connection.Closing;
        var closedBeforeOverflow = closing.IsCancellationRequested;
        connection.Deliver(new EventFrame(9, "story.reacted", "{}"));
        var closedAfterOverflow = closing.IsCancellationRequested;
        await connection.DisposeAsync();
        await connection.DisposeAsync();

        Assert.False(closedBeforeOverflow);
        Assert.True(closedAfterOverflow);
        Assert.Equal(StreamCloseReason.Overflow, connection.Reason);
        Assert.Equal(1, released);
    }

    [Fact]
    public void HeartbeatIsDroppedRatherThanClosingABusyConnection()
    {
        var connection = new EventConnection(
            Guid.NewGuid(), "sse", DateTimeOffset.MaxValue, bufferSize: 8, _ => ValueTask.CompletedTask, CancellationToken.None);
        for (var id = 1; id <= 8; id++)
        {
            connection.Deliver(new EventFrame(id, "story.reacted", "{}"));
        }

        connection.Beat();

        Assert.False(connection.Closing.IsCancellationRequested);
        Assert.Equal(StreamCloseReason.None, connection.Reason);
    }
}
