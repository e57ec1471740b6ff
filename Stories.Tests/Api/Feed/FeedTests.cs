using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Feed;

public sealed class FeedTests(FeedTests.CountingFactory factory) : IClassFixture<FeedTests.CountingFactory>
{
    [Fact]
    public async Task FeedHoldsOwnPublicAndFollowedFriendsStoriesNewestFirst()
    {
        var me = await factory.SignUpAsync();
        var followed = await factory.SignUpAsync();
        var stranger = await factory.SignUpAsync();
        using var meClient = factory.CreateClientFor(me);
        using var followedClient = factory.CreateClientFor(followed);
        using var strangerClient = factory.CreateClientFor(stranger);
        await meClient.FollowAsync(followed.Id);
        await followedClient.FollowAsync(me.Id);

        var mine = await meClient.CreateStoryIdAsync("my private note", "private");
        var friends = await followedClient.CreateStoryIdAsync("for followers", "friends");
        var publicOne = await strangerClient.CreateStoryIdAsync("for everyone", "public");
        var strangersFriends = await strangerClient.CreateStoryIdAsync("not for me", "friends");
        var feed = await meClient.FeedIdsAsync();

        Assert.Equal([publicOne, friends, mine], feed.Where(id => id == mine || id == friends || id == publicOne).ToList());
        Assert.DoesNotContain(strangersFriends, feed);
        var feedOrder = feed.Select((id, index) => (id, index)).ToDictionary(p => p.id, p => p.index);
        Assert.True(feedOrder[publicOne] < feedOrder[friends] && feedOrder[friends] < feedOrder[mine]);
    }

    [Fact]
    public async Task PaginationWalksEveryStoryExactlyOnceInOrder()
    {
        var author = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(author);
        var created = new List<Guid>();
        for (var i = 0; i < 23; i++)
        {
            created.Add(await client.CreateStoryIdAsync($"story {i}", "private"));
        }

        var walked = await client.FeedIdsAsync(limit: 5);

        var mine = walked.Where(created.Contains).ToList();
        Assert.Equal(Enumerable.Reverse(created).ToList(), mine);
        Assert.Equal(walked.Count, walked.Distinct().Count());
    }

    [Fact]
    public async Task StoriesWithTheSameTimestampArePagedWithoutLossOrRepeat()
    {
        var author = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(author);
        var created = new List<Guid>();
        factory.Clock.Freeze();
        try
        {
            for (var i = 0; i < 7; i++)
            {
                created.Add(await client.CreateStoryIdAsync($"same instant {i}", "private"));
            }
        }
        finally
        {
            factory.Clock.Resume();
        }

        var walked = await client.FeedIdsAsync(limit: 2);

        Assert.Equal(created.Order().ToHashSet(), walked.Where(created.Contains).ToHashSet());
        Assert.Equal(walked.Count, walked.Distinct().Count());
    }

    [Fact]
    public async Task APageCostsTheSameNumberOfSqlStatementsWhateverItsSize()
    {
        var author = await factory.SignUpAsync();
        var viewer = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(author);
        using var viewerClient = factory.CreateClientFor(viewer);
        for (var i = 0; i < 40; i++)
        {
            var id = await client.CreateStoryIdAsync($"counted {i}", "public");
            await viewerClient.PostJsonAsync($"/stories/{id}/reactions", new { emoji = "👍" });
            await viewerClient.PostAsync($"/stories/{id}/view", null);
        }

        var small = await CountStatementsAsync(client, "/feed?limit=2");
        var large = await CountStatementsAsync(client, "/feed?limit=40");

        Assert.Equal(small, large);
        Assert.Equal(2, large);
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=51")]
    [InlineData("limit=-3")]
    [InlineData("limit=ten")]
    [InlineData("cursor=not-a-cursor")]
    [InlineData("cursor=AAAA")]
    [InlineData("cursor=MTIzfG5vdC1hLWd1aWQ")]
    public async Task BadLimitOrCursorIs400(string query)
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);

        var response = await client.GetAsync($"/feed?{query}");

        await response.AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task ViewedByMeIsSetPerItem()
    {
        var author = await factory.SignUpAsync();
        var reader = await factory.SignUpAsync();
        using var authorClient = factory.CreateClientFor(author);
        using var readerClient = factory.CreateClientFor(reader);
        var seen = await authorClient.CreateStoryIdAsync("seen", "public");
        var unseen = await authorClient.CreateStoryIdAsync("unseen", "public");
        await readerClient.PostAsync($"/stories/{seen}/view", null);

        var page = await (await readerClient.GetAsync("/feed?limit=50")).ReadJsonAsync();

        var items = page.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("id").GetGuid(), i => i.GetProperty("viewed_by_me").GetBoolean());
        Assert.True(items[seen]);
        Assert.False(items[unseen]);
    }

    private async Task<int> CountStatementsAsync(HttpClient client, string path)
    {
        var before = factory.Counter.Count;
        var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return factory.Counter.Count - before;
    }

    public sealed class CountingFactory : StoriesApiFactory
    {
        // The statement counts are of the database path; the feed's Redis caches have their own tests.
        public CountingFactory() => WithSetting("Caching:Enabled", "false");

        public SqlCommandCounter Counter { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services => services.AddSingleton<IInterceptor>(Counter));
        }
    }
}
