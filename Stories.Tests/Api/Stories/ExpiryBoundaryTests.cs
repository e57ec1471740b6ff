using System.Net;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Stories;

/// <summary>
/// A story is served until its TTL and never after — decided by every read itself, before any
/// worker has run. Tokens here live a week so the clock can move a day.
/// </summary>
public sealed class ExpiryBoundaryTests(ExpiryBoundaryTests.LongTokenFactory factory) : IClassFixture<ExpiryBoundaryTests.LongTokenFactory>
{
    [Fact]
    public async Task StoryIsVisibleOneSecondBeforeItsTtlAndGoneOneSecondAfter()
    {
        var author = await factory.SignUpAsync();
        var reader = await factory.SignUpAsync();
        using var authorClient = factory.CreateClientFor(author);
        using var readerClient = factory.CreateClientFor(reader);
        var story = await authorClient.CreateStoryAsync(new { text = "fleeting expirytoken", visibility = "public" });
        var id = story.GetProperty("id").GetGuid();
        var expiresAt = story.GetProperty("expires_at").GetDateTimeOffset();

        factory.Clock.SetUtcNow(expiresAt.AddSeconds(-1));
        var getBefore = await readerClient.GetAsync($"/stories/{id}");
        var feedBefore = await readerClient.FeedIdsAsync();
        var searchBefore = await readerClient.SearchIdsAsync("expirytoken");

        factory.Clock.SetUtcNow(expiresAt.AddSeconds(1));
        var getAfter = await readerClient.GetAsync($"/stories/{id}");
        var feedAfter = await readerClient.FeedIdsAsync();
        var searchAfter = await readerClient.SearchIdsAsync("expirytoken");
        var viewAfter = await readerClient.PostAsync($"/stories/{id}/view", null);
        var reactAfter = await readerClient.PostJsonAsync($"/stories/{id}/reactions", new { emoji = "👍" });
        var viewersAfter = await authorClient.GetAsync($"/stories/{id}/viewers");
        var ownGetAfter = await authorClient.GetAsync($"/stories/{id}");

        Assert.Equal(HttpStatusCode.OK, getBefore.StatusCode);
        Assert.Contains(id, feedBefore);
        Assert.Contains(id, searchBefore);
        await getAfter.AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.DoesNotContain(id, feedAfter);
        Assert.DoesNotContain(id, searchAfter);
        await viewAfter.AssertProblemAsync(HttpStatusCode.NotFound);
        await reactAfter.AssertProblemAsync(HttpStatusCode.NotFound);
        await viewersAfter.AssertProblemAsync(HttpStatusCode.NotFound);
        await ownGetAfter.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    public sealed class LongTokenFactory : StoriesApiFactory
    {
        public LongTokenFactory() => WithSetting("Jwt:Lifetime", "7.00:00:00");
    }
}
