using System.Net;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Events;

/// <summary>
/// Redis taken away mid-test (a <see cref="TcpProxy"/> in front of the shared server closes every
/// connection and refuses new ones) and given back: the event bus degrades, it never fails a request.
/// </summary>
public sealed class RedisOutageTests(TwoReplicasBehindRedisProxy replicas) : IClassFixture<TwoReplicasBehindRedisProxy>
{
    [Fact]
    public async Task WithoutRedisViewsSucceedAndSameReplicaStreamsGetEventsThenCrossReplicaDeliveryResumes()
    {
        var author = await replicas.A.SignUpAsync();
        var viewer = await replicas.A.SignUpAsync();
        using var authorOnA = replicas.A.CreateClientFor(author);
        using var authorOnB = replicas.B.CreateClientFor(author);
        using var viewerOnA = replicas.A.CreateClientFor(viewer);
        var storyId = await authorOnA.CreateStoryIdAsync("through the outage");
        await using var onA = await SseClient.OpenAsync(authorOnA);
        await using var onB = await SseClient.OpenAsync(authorOnB);
        using var failures = new MetricRecorder(replicas.A, "event_bus_failures");
        using var published = new MetricRecorder(replicas.A, "events_published");

        replicas.Proxy.Stop();
        HttpResponseMessage view;
        ReceivedEvent sameReplica;
        try
        {
            view = await viewerOnA.PostAsync($"/stories/{storyId}/view", null);
            sameReplica = await onA.NextEventAsync();
        }
        finally
        {
            replicas.Proxy.Start();
        }

        var crossReplica = await viewerOnA.ReactUntilDeliveredAsync(storyId, onB);
        await viewerOnA.AssertNextReactionsArriveOnceAsync(storyId, onB);

        Assert.Equal(HttpStatusCode.NoContent, view.StatusCode);
        Assert.Equal(1, await replicas.A.ScalarAsync<long>("select count(*) from story_views where story_id = @id", ("id", storyId)));
        Assert.Equal("story.viewed", sameReplica.Type);
        Assert.Equal(viewer.Id, sameReplica.Payload.GetProperty("viewer_id").GetGuid());
        Assert.Equal("story.reacted", crossReplica.Type);
        Assert.True(failures.Sum("event_bus_failures", "operation", "publish") >= 1);
        Assert.True(published.Sum("events_published", "path", "local") >= 1);
    }

    [Fact]
    public async Task WithoutRedisTicketsAre503ButTheBearerHeaderStillOpensStreams()
    {
        var user = await replicas.A.SignUpAsync();
        using var client = replicas.A.CreateClientFor(user);

        replicas.Proxy.Stop();
        HttpResponseMessage ticket;
        SseFrame firstFrame;
        try
        {
            ticket = await client.PostAsync("/events/ticket", null);
            await using var stream = await SseClient.OpenAsync(client);
            firstFrame = await stream.NextFrameAsync();
        }
        finally
        {
            replicas.Proxy.Start();
        }

        var problem = await ticket.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("Event tickets are unavailable.", problem.GetProperty("title").GetString());
        Assert.NotNull(ticket.Headers.RetryAfter);
        Assert.Equal("ping", firstFrame.Comment);
    }
}

/// <summary>Both replicas start while Redis is away, then Redis arrives.</summary>
public sealed class RedisStartupOutageTests(RedisStartupOutageTests.StartedWithoutRedis replicas)
    : IClassFixture<RedisStartupOutageTests.StartedWithoutRedis>
{
    [Fact]
    public async Task ReplicasStartedWithoutRedisJoinTheFanOutOnceRedisArrives()
    {
        var author = await replicas.A.SignUpAsync();
        var fan = await replicas.A.SignUpAsync();
        using var authorOnB = replicas.B.CreateClientFor(author);
        using var fanOnA = replicas.A.CreateClientFor(fan);
        var storyId = await authorOnB.CreateStoryIdAsync("late subscriber");
        await using var onB = await SseClient.OpenAsync(authorOnB);

        replicas.Proxy.Start();
        var crossReplica = await fanOnA.ReactUntilDeliveredAsync(storyId, onB);

        Assert.Equal("story.reacted", crossReplica.Type);
        await fanOnA.AssertNextReactionsArriveOnceAsync(storyId, onB);
    }

    public sealed class StartedWithoutRedis : TwoReplicasBehindRedisProxy
    {
        protected override bool StartsWithRedis => false;

        public override async Task InitializeAsync()
        {
            Proxy.Stop();
            await base.InitializeAsync();
        }
    }
}
