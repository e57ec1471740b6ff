using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Stories.Api.Infrastructure.Caching;
using Stories.Api.Infrastructure.Redis;
using Stories.Tests.Api.Events;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Platform;

/// <summary>
/// The first feed page is cached per user for 30 s; the caller's own writes show in their very next
/// request, and other users' new stories only once the page expires — by the API's clock, which the tests move.
/// </summary>
[Trait("Category", TestCategories.RedisCluster)]
public sealed class FeedCacheTests(StoriesApiFactory factory) : IClassFixture<StoriesApiFactory>
{
    [Fact]
    public async Task TheSecondFeedRequestIsServedFromTheCacheWithTheSameBodyAndHeaders()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        await client.CreateStoryIdAsync("cached soon");
        var before = await factory.ScrapeAsync();

        using var first = await client.GetAsync("/feed");
        using var second = await client.GetAsync("/feed");

        var after = await factory.ScrapeAsync();
        Assert.Equal(1, after.Value("cache_misses_total", ("cache", "feed")) - before.Value("cache_misses_total", ("cache", "feed")));
        Assert.Equal(1, after.Value("cache_hits_total", ("cache", "feed")) - before.Value("cache_hits_total", ("cache", "feed")));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(await first.Content.ReadAsByteArrayAsync(), await second.Content.ReadAsByteArrayAsync());
        Assert.Equal(first.Content.Headers.ContentType, second.Content.Headers.ContentType);
        Assert.Equal(first.Content.Headers.ContentLength, second.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task AfterTheCachedPageExpiresTheFriendIdsStillComeFromTheCache()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        await client.FeedIdsAsync();
        factory.Clock.Advance(TimeSpan.FromSeconds(31));
        var before = await factory.ScrapeAsync();

        await client.FeedIdsAsync();

        var after = await factory.ScrapeAsync();
        Assert.Equal(1, after.Value("cache_misses_total", ("cache", "feed")) - before.Value("cache_misses_total", ("cache", "feed")));
        Assert.Equal(1, after.Value("cache_hits_total", ("cache", "friends")) - before.Value("cache_hits_total", ("cache", "friends")));
    }

    [Fact]
    public async Task AFirstPageServedFromTheCacheDoesNotFetchTheFriendIds()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        await client.FeedIdsAsync();
        var friendsKey = CacheKeys.Friends(user.Id);
        Assert.True(await PageEntries().KeyExistsAsync(friendsKey), "The miss should have cached the friend ids.");
        // Redis counts a key's idle time in whole seconds from its last read: wait past two of them.
        await Task.Delay(TimeSpan.FromSeconds(2.5));

        await client.FeedIdsAsync();
        var idle = await PageEntries().KeyIdleTimeAsync(friendsKey);

        Assert.True(idle >= TimeSpan.FromSeconds(2), $"The friend ids were read by a cache hit (idle {idle}).");
    }

    [Fact]
    public async Task AnotherUsersNewStoryAppearsOnceTheCachedPageExpires()
    {
        var reader = await factory.SignUpAsync();
        var author = await factory.SignUpAsync();
        using var readerClient = factory.CreateClientFor(reader);
        using var authorClient = factory.CreateClientFor(author);
        await readerClient.FeedIdsAsync();

        var story = await authorClient.CreateStoryIdAsync("news from elsewhere");
        var whileCached = await readerClient.FeedIdsAsync();
        factory.Clock.Advance(TimeSpan.FromSeconds(31));
        var afterExpiry = await readerClient.FeedIdsAsync();

        Assert.DoesNotContain(story, whileCached);
        Assert.Contains(story, afterExpiry);
    }

    [Fact]
    public async Task OwnNewStoryShowsInTheNextFeedRequest()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        await WarmAsync(client);

        var story = await client.CreateStoryIdAsync("just posted", "private");
        var feed = await client.FeedIdsAsync();

        Assert.Contains(story, feed);
    }

    [Fact]
    public async Task FollowingSomeoneWhoFollowsYouShowsTheirFriendsStoriesAtOnce()
    {
        var reader = await factory.SignUpAsync();
        var friend = await factory.SignUpAsync();
        using var readerClient = factory.CreateClientFor(reader);
        using var friendClient = factory.CreateClientFor(friend);
        await friendClient.FollowAsync(reader.Id);
        var story = await friendClient.CreateStoryIdAsync("for my friends", "friends");
        Assert.DoesNotContain(story, await WarmAsync(readerClient));

        await readerClient.FollowAsync(friend.Id);
        var feed = await readerClient.FeedIdsAsync();

        Assert.Contains(story, feed);
    }

    [Fact]
    public async Task BeingFollowedBackShowsTheAuthorsFriendsStoriesOnTheFollowersNextFeed()
    {
        var reader = await factory.SignUpAsync();
        var author = await factory.SignUpAsync();
        using var readerClient = factory.CreateClientFor(reader);
        using var authorClient = factory.CreateClientFor(author);
        await readerClient.FollowAsync(author.Id);
        var story = await authorClient.CreateStoryIdAsync("friends only", "friends");
        Assert.DoesNotContain(story, await WarmAsync(readerClient));

        await authorClient.FollowAsync(reader.Id);
        var feed = await readerClient.FeedIdsAsync();

        Assert.Contains(story, feed);
    }

    [Fact]
    public async Task RemovingAFollowerHidesFriendsStoriesFromTheirNextFeedAndTheirsFromTheAuthors()
    {
        var reader = await factory.SignUpAsync();
        var author = await factory.SignUpAsync();
        using var readerClient = factory.CreateClientFor(reader);
        using var authorClient = factory.CreateClientFor(author);
        await readerClient.FollowAsync(author.Id);
        await authorClient.FollowAsync(reader.Id);
        var authorsStory = await authorClient.CreateStoryIdAsync("friends only", "friends");
        var readersStory = await readerClient.CreateStoryIdAsync("friends only too", "friends");
        Assert.Contains(authorsStory, await WarmAsync(readerClient));
        Assert.Contains(readersStory, await WarmAsync(authorClient));

        using var removed = await authorClient.DeleteAsync($"/followers/{reader.Id}");
        using var again = await authorClient.DeleteAsync($"/followers/{reader.Id}");
        var readersFeed = await readerClient.FeedIdsAsync();
        var authorsFeed = await authorClient.FeedIdsAsync();

        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        Assert.DoesNotContain(authorsStory, readersFeed);
        Assert.DoesNotContain(readersStory, authorsFeed);
    }

    [Fact]
    public async Task UnfollowHidesTheirFriendsStoriesAtOnce()
    {
        var reader = await factory.SignUpAsync();
        var friend = await factory.SignUpAsync();
        using var readerClient = factory.CreateClientFor(reader);
        using var friendClient = factory.CreateClientFor(friend);
        await readerClient.FollowAsync(friend.Id);
        await friendClient.FollowAsync(reader.Id);
        var story = await friendClient.CreateStoryIdAsync("friends only", "friends");
        Assert.Contains(story, await WarmAsync(readerClient));

        await readerClient.UnfollowAsync(friend.Id);
        var feed = await readerClient.FeedIdsAsync();

        Assert.DoesNotContain(story, feed);
    }

    [Fact]
    public async Task ADeletedStoryLeavesEveryCachedFeedAtOnce()
    {
        var reader = await factory.SignUpAsync();
        var author = await factory.SignUpAsync();
        using var readerClient = factory.CreateClientFor(reader);
        using var authorClient = factory.CreateClientFor(author);
        var story = await authorClient.CreateStoryIdAsync("regretted");
        Assert.Contains(story, await WarmAsync(readerClient));

        Assert.Equal(HttpStatusCode.NoContent, (await authorClient.DeleteAsync($"/stories/{story}")).StatusCode);
        var feed = await readerClient.FeedIdsAsync();

        Assert.DoesNotContain(story, feed);
    }

    [Fact]
    public async Task ViewedByMeIsCurrentRightAfterAViewAndTheCachedPageIsStillUsed()
    {
        var reader = await factory.SignUpAsync();
        var author = await factory.SignUpAsync();
        using var readerClient = factory.CreateClientFor(reader);
        using var authorClient = factory.CreateClientFor(author);
        var viewed = await authorClient.CreateStoryIdAsync("look at me");
        var notViewed = await authorClient.CreateStoryIdAsync("and at me");
        await readerClient.GetAsync("/feed?limit=50");
        var before = await factory.ScrapeAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await readerClient.PostAsync($"/stories/{viewed}/view", null)).StatusCode);
        var page = await (await readerClient.GetAsync("/feed?limit=50")).ReadJsonAsync();

        var after = await factory.ScrapeAsync();
        Assert.Equal(1, after.Value("cache_hits_total", ("cache", "feed")) - before.Value("cache_hits_total", ("cache", "feed")));
        Assert.Equal(0, after.Value("cache_misses_total", ("cache", "feed")) - before.Value("cache_misses_total", ("cache", "feed")));
        Assert.True(page.ItemWithId(viewed).GetProperty("viewed_by_me").GetBoolean());
        Assert.False(page.ItemWithId(notViewed).GetProperty("viewed_by_me").GetBoolean());
    }

    [Fact]
    public async Task ACachedPageWithViewsLaidOverItAnswersWhatTheDatabaseAnswers()
    {
        var reader = await factory.SignUpAsync();
        var author = await factory.SignUpAsync();
        using var readerClient = factory.CreateClientFor(reader);
        using var authorClient = factory.CreateClientFor(author);
        var stories = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            stories.Add(await authorClient.CreateStoryIdAsync($"story {i} with \"viewed_by_me\":false in its text", "friends"));
        }

        await readerClient.FollowAsync(author.Id);
        await authorClient.FollowAsync(reader.Id);
        await readerClient.GetAsync("/feed");
        await readerClient.PostAsync($"/stories/{stories[0]}/view", null);
        await readerClient.PostAsync($"/stories/{stories[2]}/view", null);

        var fromCache = await (await readerClient.GetAsync("/feed")).ReadJsonAsync();
        factory.Clock.Advance(TimeSpan.FromSeconds(31));
        var fromDatabase = await (await readerClient.GetAsync("/feed")).ReadJsonAsync();

        Assert.True(JsonElement.DeepEquals(fromDatabase, fromCache), $"cache: {fromCache}\ndatabase: {fromDatabase}");
        Assert.Equal([true, false, true, false], stories.Select(id => fromCache.ItemWithId(id).GetProperty("viewed_by_me").GetBoolean()));
    }

    [Fact]
    public async Task LaterPagesComeFromTheDatabaseEvenWhileTheFirstIsCached()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        var older = await client.CreateStoryIdAsync("older", "private");
        await client.CreateStoryIdAsync("newer", "private");
        var firstPage = await (await client.GetAsync("/feed?limit=1")).ReadJsonAsync();
        var cursor = firstPage.GetProperty("next_cursor").GetString();

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/stories/{older}")).StatusCode);
        var secondPage = await (await client.GetAsync($"/feed?limit=1&cursor={cursor}")).ReadJsonAsync();

        Assert.DoesNotContain(older, secondPage.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()));
    }

    [Fact]
    public async Task AnUnreadableCachedPageIsAMissCountedAsACacheError()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        var story = await client.CreateStoryIdAsync("still served", "private");
        await PageEntries().StringSetAsync(PageKey(user.Id), "0|0|0|not a time|{}");
        var before = await factory.ScrapeAsync();

        var feed = await client.FeedIdsAsync();

        var after = await factory.ScrapeAsync();
        Assert.Contains(story, feed);
        Assert.Equal(1, after.Value("cache_errors_total", ("cache", "feed"), ("operation", "read")) - before.Value("cache_errors_total", ("cache", "feed"), ("operation", "read")));
    }

    [Fact]
    public async Task ACachedPageWhoseUnviewedListDoesNotMatchItsJsonIsAMissOnceAViewMustBeLaidOver()
    {
        var reader = await factory.SignUpAsync();
        var author = await factory.SignUpAsync();
        using var readerClient = factory.CreateClientFor(reader);
        using var authorClient = factory.CreateClientFor(author);
        var story = await authorClient.CreateStoryIdAsync("its offset is wrong");
        await readerClient.FeedIdsAsync();
        // The entry as the API stored it, with every unviewed story's offset pointing at the JSON's first byte.
        var entry = (string)(await PageEntries().StringGetAsync(PageKey(reader.Id)))!;
        var planted = Regex.Replace(entry, "([0-9a-f]{32}):[0-9]+", "$1:0");
        Assert.NotEqual(entry, planted);
        await PageEntries().StringSetAsync(PageKey(reader.Id), planted);
        var before = await factory.ScrapeAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await readerClient.PostAsync($"/stories/{story}/view", null)).StatusCode);
        var page = await (await readerClient.GetAsync("/feed?limit=50")).ReadJsonAsync();

        var after = await factory.ScrapeAsync();
        Assert.True(page.ItemWithId(story).GetProperty("viewed_by_me").GetBoolean());
        Assert.Equal(1, after.Value("cache_misses_total", ("cache", "feed")) - before.Value("cache_misses_total", ("cache", "feed")));
        Assert.Equal(1, after.Value("cache_errors_total", ("cache", "feed"), ("operation", "read")) - before.Value("cache_errors_total", ("cache", "feed"), ("operation", "read")));
    }

    [Fact]
    public async Task ConcurrentWritersEachBumpOnlyTheirOwnGenerationOncePerWrite()
    {
        var users = new List<TestUser>();
        for (var i = 0; i < 10; i++)
        {
            users.Add(await factory.SignUpAsync());
        }

        var clients = users.Select(factory.CreateClientFor).ToList();

        // Private, so that the fifty stories stay off the other tests' feeds (public stories reach every feed).
        await Task.WhenAll(clients.SelectMany(client => Enumerable.Range(0, 5).Select(i => client.CreateStoryIdAsync($"at once {i}", "private"))));

        var generations = new List<long>();
        foreach (var user in users)
        {
            generations.Add((long)await PageEntries().StringGetAsync(CacheKeys.UserGeneration(user.Id)));
        }

        clients.ForEach(client => client.Dispose());
        Assert.All(generations, generation => Assert.Equal(5L, generation));
    }

    /// <summary>The API's own Redis keyspace (its key prefix applied).</summary>
    private IDatabase PageEntries() => factory.Services.GetRequiredService<RedisStore>().Database;

    /// <summary>The first page's key at the limit <see cref="StoryApiExtensions.FeedIdsAsync"/> asks (50), in the entry format's current version.</summary>
    private static string PageKey(Guid userId) => CacheKeys.FeedPage(userId, 50);

    /// <summary>Two reads: the first fills the cache, the second is served from it.</summary>
    private static async Task<List<Guid>> WarmAsync(HttpClient client)
    {
        await client.FeedIdsAsync();
        return await client.FeedIdsAsync();
    }
}

/// <summary>Two replicas over one Redis: a view recorded through one is laid over the page the other cached.</summary>
[Trait("Category", TestCategories.RedisCluster)]
public sealed class FeedCacheReplicaTests(TwoReplicas replicas) : IClassFixture<TwoReplicas>
{
    [Fact]
    public async Task AViewRecordedOnOneReplicaShowsOnThePageAnotherReplicaCached()
    {
        var reader = await replicas.A.SignUpAsync();
        var author = await replicas.A.SignUpAsync();
        using var readerOnA = replicas.A.CreateClientFor(reader);
        using var readerOnB = replicas.B.CreateClientFor(reader);
        using var authorClient = replicas.A.CreateClientFor(author);
        var story = await authorClient.CreateStoryIdAsync("seen through the other replica");
        await readerOnA.GetAsync("/feed?limit=50");
        var before = await replicas.A.ScrapeAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await readerOnB.PostAsync($"/stories/{story}/view", null)).StatusCode);
        var page = await (await readerOnA.GetAsync("/feed?limit=50")).ReadJsonAsync();

        var after = await replicas.A.ScrapeAsync();
        Assert.Equal(1, after.Value("cache_hits_total", ("cache", "feed")) - before.Value("cache_hits_total", ("cache", "feed")));
        Assert.True(page.ItemWithId(story).GetProperty("viewed_by_me").GetBoolean());
    }
}

/// <summary>
/// A cached page never outlives the first story on it: here the feed TTL (2 min) is longer than a
/// story's life (1 min), so only the cap by the earliest expiry keeps the expired story out.
/// </summary>
[Trait("Category", TestCategories.RedisCluster)]
public sealed class FeedCacheExpiryTests(FeedCacheExpiryTests.ShortLivedStories factory) : IClassFixture<FeedCacheExpiryTests.ShortLivedStories>
{
    [Fact]
    public async Task AnExpiredStoryIsNeverServedFromTheCache()
    {
        var reader = await factory.SignUpAsync();
        var author = await factory.SignUpAsync();
        using var readerClient = factory.CreateClientFor(reader);
        using var authorClient = factory.CreateClientFor(author);
        var story = await authorClient.CreateStoryAsync(new { text = "short-lived", visibility = "public" });
        var id = story.GetProperty("id").GetGuid();
        var expiresAt = story.GetProperty("expires_at").GetDateTimeOffset();
        await readerClient.FeedIdsAsync();
        var cached = await readerClient.FeedIdsAsync();

        factory.Clock.SetUtcNow(expiresAt.AddMilliseconds(1));
        var afterExpiry = await readerClient.FeedIdsAsync();

        Assert.Contains(id, cached);
        Assert.DoesNotContain(id, afterExpiry);
    }

    public sealed class ShortLivedStories : StoriesApiFactory
    {
        public ShortLivedStories()
        {
            WithSetting("Stories:Ttl", "00:01:00");
            WithSetting("Caching:FeedTtl", "00:02:00");
        }
    }
}
