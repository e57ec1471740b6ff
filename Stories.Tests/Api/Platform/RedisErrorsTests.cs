using System.IO.Pipelines;
using Stories.Api.Infrastructure.Redis;

namespace Stories.Tests.Api.Platform;

/// <summary>
/// SE.Redis 2.13 can fail a call in flight with the pipe's own exception when it tears a dead
/// connection down (StackExchange.Redis#3085): RedisOutageTests' hanging Redis met it as a 500 on
/// login about one run in three under load. It must count as an outage, so the caller falls back.
/// </summary>
public sealed class RedisErrorsTests
{
    [Fact]
    public void ReadingAPipeTheClientAlreadyCompletedCountsAsRedisUnavailable()
    {
        var pipe = new Pipe();
        pipe.Reader.Complete();

        var error = Assert.Throws<InvalidOperationException>(() => pipe.Reader.AdvanceTo(default));

        Assert.True(RedisErrors.IsUnavailable(error));
    }

    [Fact]
    public void AnInvalidOperationOfOurOwnIsNotTakenForAnOutage()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new List<int>().First());

        Assert.False(RedisErrors.IsUnavailable(error));
    }
}
