using System.Net;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Social;

public sealed class FollowTests(StoriesApiFactory factory) : IClassFixture<StoriesApiFactory>
{
    [Fact]
    public async Task FollowingTwiceKeepsOneFollow()
    {
        var follower = await factory.SignUpAsync();
        var followee = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(follower);

        var first = await client.PostAsync($"/follow/{followee.Id}", null);
        var second = await client.PostAsync($"/follow/{followee.Id}", null);

        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, second.StatusCode);
        Assert.Equal(1, await factory.ScalarAsync<long>("select count(*) from follows where follower_id = @a and followee_id = @b", ("a", follower.Id), ("b", followee.Id)));
    }

    [Fact]
    public async Task UnfollowingIsIdempotentAndHidesFriendsStories()
    {
        var follower = await factory.SignUpAsync();
        var followee = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(follower);
        using var followeeClient = factory.CreateClientFor(followee);
        var friendsStory = await followeeClient.CreateStoryIdAsync("followers only", "friends");
        await client.FollowAsync(followee.Id);
        await followeeClient.FollowAsync(follower.Id);
        var whileFollowing = await client.GetAsync($"/stories/{friendsStory}");

        var first = await client.DeleteAsync($"/follow/{followee.Id}");
        var second = await client.DeleteAsync($"/follow/{followee.Id}");
        var afterUnfollow = await client.GetAsync($"/stories/{friendsStory}");

        Assert.Equal(HttpStatusCode.OK, whileFollowing.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, second.StatusCode);
        Assert.Equal(0, await factory.ScalarAsync<long>("select count(*) from follows where follower_id = @a and followee_id = @b", ("a", follower.Id), ("b", followee.Id)));
        await afterUnfollow.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task MyFollowingListsWhomIFollowNewestFirstAndWhichOfThemAreFriends()
    {
        var me = await factory.SignUpAsync();
        var friend = await factory.SignUpAsync();
        var followed = await factory.SignUpAsync();
        var follower = await factory.SignUpAsync();
        var dropped = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(me);
        await client.FollowAsync(friend.Id);
        await factory.CreateClientFor(friend).FollowAsync(me.Id);
        await client.FollowAsync(dropped.Id);
        await client.FollowAsync(followed.Id);
        await client.UnfollowAsync(dropped.Id);
        await factory.CreateClientFor(follower).FollowAsync(me.Id);

        var users = (await (await client.GetAsync("/me/following")).ReadJsonAsync()).GetProperty("users").EnumerateArray()
            .Select(user => (user.GetProperty("user_id").GetGuid(), user.GetProperty("handle").GetString(), user.GetProperty("follows_you").GetBoolean()))
            .ToList();

        Assert.Equal([(followed.Id, followed.Handle, false), (friend.Id, friend.Handle, true)], users);
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("DELETE")]
    public async Task UnknownUserIs404(string method)
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);

        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), $"/follow/{Guid.NewGuid()}"));

        await response.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("DELETE")]
    public async Task FollowingYourselfIs400(string method)
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);

        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), $"/follow/{user.Id}"));

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("yourself", problem.GetProperty("title").GetString(), StringComparison.Ordinal);
    }
}
