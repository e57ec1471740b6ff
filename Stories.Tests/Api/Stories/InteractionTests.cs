using System.Net;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Stories;

public sealed class InteractionTests(StoriesApiFactory factory) : IClassFixture<StoriesApiFactory>
{
    private static readonly string[] s_allowed = ["👍", "❤️", "😂", "😮", "😢", "🔥"];

    [Fact]
    public async Task ConcurrentDuplicateViewsRecordExactlyOneRow()
    {
        var author = await factory.SignUpAsync();
        var viewer = await factory.SignUpAsync();
        using var authorClient = factory.CreateClientFor(author);
        var id = await authorClient.CreateStoryIdAsync("watched");

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            using var client = factory.CreateClientFor(viewer);
            return await client.PostAsync($"/stories/{id}/view", null);
        }));

        Assert.All(responses, response => Assert.Equal(HttpStatusCode.NoContent, response.StatusCode));
        Assert.Equal(1, await factory.ScalarAsync<long>("select count(*) from story_views where story_id = @id", ("id", id)));
        var story = await (await authorClient.GetAsync($"/stories/{id}")).ReadJsonAsync();
        Assert.Equal(1, story.GetProperty("view_count").GetInt32());
    }

    [Fact]
    public async Task AuthorsOwnViewIsNotRecorded()
    {
        var author = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(author);
        var id = await client.CreateStoryIdAsync("mine");

        var response = await client.PostAsync($"/stories/{id}/view", null);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(0, await factory.ScalarAsync<long>("select count(*) from story_views where story_id = @id", ("id", id)));
    }

    [Fact]
    public async Task ViewersAreListedNewestFirstAcrossPages()
    {
        var author = await factory.SignUpAsync();
        using var authorClient = factory.CreateClientFor(author);
        var id = await authorClient.CreateStoryIdAsync("popular");
        var viewers = new List<TestUser>();
        for (var i = 0; i < 5; i++)
        {
            var viewer = await factory.SignUpAsync();
            viewers.Add(viewer);
            using var client = factory.CreateClientFor(viewer);
            await client.PostAsync($"/stories/{id}/view", null);
            factory.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        var listed = new List<(Guid Id, string Handle)>();
        string? cursor = null;
        do
        {
            var page = await (await authorClient.GetAsync($"/stories/{id}/viewers?limit=2" + (cursor is null ? "" : $"&cursor={cursor}"))).ReadJsonAsync();
            listed.AddRange(page.GetProperty("items").EnumerateArray().Select(v => (v.GetProperty("user_id").GetGuid(), v.GetProperty("handle").GetString()!)));
            cursor = page.GetProperty("next_cursor").GetString();
        }
        while (cursor is not null);

        Assert.Equal(Enumerable.Reverse(viewers).Select(v => (v.Id, v.Handle)).ToList(), listed);
    }

    [Theory]
    [InlineData("👍", "👍")]
    [InlineData("❤️", "❤️")]
    [InlineData("❤", "❤️")]
    [InlineData("🔥", "🔥")]
    public async Task ReactionIsStoredWithTheCanonicalEmoji(string sent, string stored)
    {
        var author = await factory.SignUpAsync();
        var fan = await factory.SignUpAsync();
        using var authorClient = factory.CreateClientFor(author);
        using var fanClient = factory.CreateClientFor(fan);
        var id = await authorClient.CreateStoryIdAsync("react to me");

        var response = await fanClient.PostJsonAsync($"/stories/{id}/reactions", new { emoji = sent });
        await fanClient.PostJsonAsync($"/stories/{id}/reactions", new { emoji = sent });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(stored, (await response.ReadJsonAsync()).GetProperty("emoji").GetString());
        var story = await (await authorClient.GetAsync($"/stories/{id}")).ReadJsonAsync();
        Assert.Equal(2, story.GetProperty("reaction_counts").GetProperty(stored).GetInt32());
    }

    [Theory]
    [InlineData("🙂")]
    [InlineData("like")]
    [InlineData("")]
    [InlineData(null)]
    public async Task OtherEmojiAreRejectedListingTheAllowedOnes(string? emoji)
    {
        var author = await factory.SignUpAsync();
        var fan = await factory.SignUpAsync();
        using var authorClient = factory.CreateClientFor(author);
        using var fanClient = factory.CreateClientFor(fan);
        var id = await authorClient.CreateStoryIdAsync("picky");

        var response = await fanClient.PostJsonAsync($"/stories/{id}/reactions", new { emoji });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        var error = Assert.Single(problem.Errors()["emoji"]);
        Assert.All(s_allowed, allowed => Assert.Contains(allowed, error, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AReactionToAStoryDeletedWhileTheReactionIsWrittenAnswers404()
    {
        var author = await factory.SignUpAsync();
        var reader = await factory.SignUpAsync();
        using var authorClient = factory.CreateClientFor(author);
        using var readerClient = factory.CreateClientFor(reader);
        var id = await authorClient.CreateStoryIdAsync("gone mid-reaction");

        await using var deletion = await UncommittedDelete.StoryAsync(factory, id);
        var reacting = readerClient.PostJsonAsync($"/stories/{id}/reactions", new { emoji = "🔥" });
        await deletion.WaitForAWriterAsync();
        await deletion.CommitAsync();

        await (await reacting).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(0, await factory.ScalarAsync<long>("select count(*) from reactions where story_id = @id", ("id", id)));
    }

    [Fact]
    public async Task ReactingToOwnStoryIsForbiddenWithAReason()
    {
        var author = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(author);
        var id = await client.CreateStoryIdAsync("self");

        var response = await client.PostJsonAsync($"/stories/{id}/reactions", new { emoji = "🔥" });

        var problem = await response.AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("own story", problem.GetProperty("title").GetString(), StringComparison.Ordinal);
    }
}
