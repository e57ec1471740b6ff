using System.Net;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Events;

/// <summary>Two API hosts over one database and one Redis, as two replicas behind a load balancer.</summary>
[Trait("Category", TestCategories.RedisCluster)]
public sealed class EventReplicaTests(TwoReplicas replicas) : IClassFixture<TwoReplicas>
{
    [Fact]
    public async Task EventRaisedOnOneReplicaReachesTheAuthorsStreamOnAnother()
    {
        var author = await replicas.A.SignUpAsync();
        var viewer = await replicas.A.SignUpAsync();
        using var authorOnB = replicas.B.CreateClientFor(author);
        using var viewerOnA = replicas.A.CreateClientFor(viewer);
        var storyId = await authorOnB.CreateStoryIdAsync("seen from afar");
        await using var stream = await SseClient.OpenAsync(authorOnB);

        await viewerOnA.ViewAsync(storyId);
        await viewerOnA.ReactAsync(storyId, "🔥");
        var viewed = await stream.NextEventAsync();
        var reacted = await stream.NextEventAsync();

        Assert.Equal("story.viewed", viewed.Type);
        Assert.Equal(viewer.Id, viewed.Payload.GetProperty("viewer_id").GetGuid());
        Assert.Equal("story.reacted", reacted.Type);
        Assert.Equal("🔥", reacted.Payload.GetProperty("emoji").GetString());
    }

    [Fact]
    public async Task EachReplicaDeliversAnEventOnceToTheAuthorsStreamsThere()
    {
        var author = await replicas.A.SignUpAsync();
        var fan = await replicas.A.SignUpAsync();
        using var authorOnA = replicas.A.CreateClientFor(author);
        using var authorOnB = replicas.B.CreateClientFor(author);
        using var fanOnA = replicas.A.CreateClientFor(fan);
        var storyId = await authorOnA.CreateStoryIdAsync("everywhere once");
        await using var onA = await SseClient.OpenAsync(authorOnA);
        await using var onB = await SseClient.OpenAsync(authorOnB);

        await fanOnA.ReactAsync(storyId, "👍");
        await fanOnA.ReactAsync(storyId, "❤️");

        Assert.Equal(["👍", "❤️"], await onA.NextReactionsAsync(2));
        Assert.Equal(["👍", "❤️"], await onB.NextReactionsAsync(2));
    }

    [Fact]
    public async Task ReplayOnOneReplicaIncludesEventsRaisedOnAnother()
    {
        var author = await replicas.A.SignUpAsync();
        var fan = await replicas.A.SignUpAsync();
        using var authorOnA = replicas.A.CreateClientFor(author);
        using var authorOnB = replicas.B.CreateClientFor(author);
        using var fanOnA = replicas.A.CreateClientFor(fan);
        var storyId = await authorOnA.CreateStoryIdAsync("replayed elsewhere");
        string lastSeen;
        await using (var stream = await SseClient.OpenAsync(authorOnA))
        {
            await fanOnA.ReactAsync(storyId, "👍");
            lastSeen = (await stream.NextEventAsync()).Id!;
        }

        await fanOnA.ReactAsync(storyId, "😂");
        await using var resumed = await SseClient.OpenAsync(authorOnB, lastEventId: lastSeen);

        Assert.Equal(["😂"], await resumed.NextReactionsAsync(1));
    }

    [Fact]
    public async Task StreamLimitCountsStreamsOnEveryReplica()
    {
        var user = await replicas.A.SignUpAsync();
        using var onA = replicas.A.CreateClientFor(user);
        using var onB = replicas.B.CreateClientFor(user);
        var open = new List<SseClient>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                open.Add(await SseClient.OpenAsync(onA));
            }

            for (var i = 0; i < 2; i++)
            {
                open.Add(await SseClient.OpenAsync(onB));
            }

            using var sixth = await SseClient.SendAsync(onA);

            await sixth.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        }
        finally
        {
            foreach (var stream in open)
            {
                await stream.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task TicketIssuedByOneReplicaIsRedeemedByAnother()
    {
        var user = await replicas.A.SignUpAsync();
        using var onA = replicas.A.CreateClientFor(user);
        var ticket = await onA.CreateTicketAsync();
        using var anonymousOnB = replicas.B.CreateClient();

        await using var stream = await SseClient.OpenAsync(anonymousOnB, $"/events?ticket={Uri.EscapeDataString(ticket)}");

        Assert.Equal("ping", (await stream.NextFrameAsync()).Comment);
    }
}
