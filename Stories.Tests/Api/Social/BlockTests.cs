using System.Net;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Social;

/// <summary>What a block does to the blocked user — who is never told: their requests just find nothing.</summary>
public sealed class BlockTests(StoriesApiFactory factory) : IClassFixture<StoriesApiFactory>
{
    [Fact]
    public async Task BlockingEndsBothFollowsAndTheBlockedUserCannotFollowAgainAnswering404LikeAMissingUser()
    {
        var author = await factory.SignUpAsync();
        var blocked = await factory.SignUpAsync();
        using var authorClient = factory.CreateClientFor(author);
        using var blockedClient = factory.CreateClientFor(blocked);
        await blockedClient.FollowAsync(author.Id);
        await authorClient.FollowAsync(blocked.Id);

        using var block = await authorClient.PostAsync($"/blocks/{blocked.Id}", null);
        using var again = await authorClient.PostAsync($"/blocks/{blocked.Id}", null);
        using var follow = await blockedClient.PostAsync($"/follow/{author.Id}", null);
        using var followMissing = await blockedClient.PostAsync($"/follow/{Guid.NewGuid()}", null);

        Assert.Equal(HttpStatusCode.NoContent, block.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        var refused = await follow.AssertProblemAsync(HttpStatusCode.NotFound);
        var missing = await followMissing.AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(missing.GetProperty("title").GetString(), refused.GetProperty("title").GetString());
        Assert.Equal(0L, await factory.ScalarAsync<long>(
            "select count(*) from follows where (follower_id = @a and followee_id = @b) or (follower_id = @b and followee_id = @a)",
            ("a", author.Id), ("b", blocked.Id)));
    }

    [Fact]
    public async Task TheBlockedUsersNextFeedLosesTheBlockersPublicStoriesAndUnblockingBringsThemBack()
    {
        var author = await factory.SignUpAsync();
        var blocked = await factory.SignUpAsync();
        using var authorClient = factory.CreateClientFor(author);
        using var blockedClient = factory.CreateClientFor(blocked);
        var story = await authorClient.CreateStoryIdAsync("for everyone", "public");
        await blockedClient.FeedIdsAsync();
        Assert.Contains(story, await blockedClient.FeedIdsAsync());

        await authorClient.PostAsync($"/blocks/{blocked.Id}", null);
        var whileBlocked = await blockedClient.FeedIdsAsync();
        using var view = await blockedClient.PostAsync($"/stories/{story}/view", null);
        using var react = await blockedClient.PostJsonAsync($"/stories/{story}/reactions", new { emoji = "🔥" });
        using var unblock = await authorClient.DeleteAsync($"/blocks/{blocked.Id}");
        var afterwards = await blockedClient.FeedIdsAsync();

        Assert.DoesNotContain(story, whileBlocked);
        await view.AssertProblemAsync(HttpStatusCode.NotFound);
        await react.AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.NoContent, unblock.StatusCode);
        Assert.Contains(story, afterwards);
    }

    [Fact]
    public async Task YouCannotBlockYourself()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);

        using var response = await client.PostAsync($"/blocks/{user.Id}", null);

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("You cannot block yourself.", problem.GetProperty("title").GetString());
    }
}
