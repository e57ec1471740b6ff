using System.Net;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Social;

/// <summary>The most users one user may follow (<c>Social:MaxFollowees</c>; two here, 5,000 by default).</summary>
public sealed class FolloweeLimitTests(FolloweeLimitTests.TwoFollowees factory) : IClassFixture<FolloweeLimitTests.TwoFollowees>
{
    [Fact]
    public async Task AFollowPastTheMaximumIs409AndRepeatingAnExistingFollowStill204()
    {
        var follower = await factory.SignUpAsync();
        var first = await factory.SignUpAsync();
        var second = await factory.SignUpAsync();
        var third = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(follower);
        await client.FollowAsync(first.Id);
        await client.FollowAsync(second.Id);

        using var pastTheMaximum = await client.PostAsync($"/follow/{third.Id}", null);
        using var repeat = await client.PostAsync($"/follow/{second.Id}", null);

        var problem = await pastTheMaximum.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("You follow as many users as one account may.", problem.GetProperty("title").GetString());
        Assert.Equal("The most is 2. Unfollow someone first.", problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.NoContent, repeat.StatusCode);
        Assert.Equal(2L, await factory.ScalarAsync<long>("select count(*) from follows where follower_id = @id", ("id", follower.Id)));
    }

    public sealed class TwoFollowees : StoriesApiFactory
    {
        public TwoFollowees() => WithSetting("Social:MaxFollowees", "2");
    }
}
