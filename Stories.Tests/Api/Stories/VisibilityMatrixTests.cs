using System.Net;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Stories;

/// <summary>
/// Every story kind × every kind of caller × every read or interaction: each either works or
/// answers exactly like a missing story (404). Built once per class: an author; a stranger who follows
/// the author (not followed back); a mutual follower (a friend); an audience member who follows but is
/// not followed back; a friend the author then removed as a follower; a friend who then unfollowed;
/// a non-follower; a friend on the audience list whom the author then blocked; and one story of each kind.
/// </summary>
public sealed class VisibilityMatrixTests(VisibilityMatrixTests.Scenario scenario) : IClassFixture<VisibilityMatrixTests.Scenario>
{
    public static readonly string[] Kinds = ["public", "friends", "audience", "private"];
    public static readonly string[] Callers = ["author", "stranger_follower", "mutual", "audience_member", "removed_follower", "ex_follower", "non_follower", "blocked"];
    public static readonly string[] Operations = ["get", "feed", "search", "view", "react", "viewers"];

    /// <summary>Who sees which kind — the rule the whole product rests on.</summary>
    private static bool Sees(string caller, string kind) => (caller, kind) switch
    {
        ("author", _) => true,
        ("blocked", _) => false,
        (_, "public") => true,
        ("mutual", "friends") => true,
        ("audience_member", "audience") => true,
        _ => false,
    };

    public static TheoryData<string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var kind in Kinds)
        {
            foreach (var caller in Callers)
            {
                foreach (var operation in Operations)
                {
                    data.Add(kind, caller, operation);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task EachCallerSeesExactlyTheStoriesTheRulesAllow(string kind, string caller, string operation)
    {
        await scenario.ReadyAsync();
        var storyId = scenario.StoryIds[kind];
        using var client = scenario.CreateClientFor(scenario.Users[caller]);
        var visible = Sees(caller, kind);

        switch (operation)
        {
            case "get":
                var get = await client.GetAsync($"/stories/{storyId}");
                if (visible)
                {
                    Assert.Equal(HttpStatusCode.OK, get.StatusCode);
                    Assert.Equal(storyId, (await get.ReadJsonAsync()).GetProperty("id").GetGuid());
                }
                else
                {
                    await get.AssertProblemAsync(HttpStatusCode.NotFound);
                }

                break;
            case "feed":
                Assert.Equal(visible, (await client.FeedIdsAsync()).Contains(storyId));
                break;
            case "search":
                Assert.Equal(visible, (await client.SearchIdsAsync(Scenario.SearchWord(kind))).Contains(storyId));
                break;
            case "view":
                var view = await client.PostAsync($"/stories/{storyId}/view", null);
                Assert.Equal(visible ? HttpStatusCode.NoContent : HttpStatusCode.NotFound, view.StatusCode);
                break;
            case "react":
                var react = await client.PostJsonAsync($"/stories/{storyId}/reactions", new { emoji = "🔥" });
                var expected = !visible ? HttpStatusCode.NotFound : caller == "author" ? HttpStatusCode.Forbidden : HttpStatusCode.Created;
                Assert.Equal(expected, react.StatusCode);
                break;
            case "viewers":
                var viewers = await client.GetAsync($"/stories/{storyId}/viewers");
                Assert.Equal(caller == "author" ? HttpStatusCode.OK : HttpStatusCode.NotFound, viewers.StatusCode);
                break;
        }
    }

    [Fact]
    public async Task AudienceMemberWhoDoesNotFollowStillSeesTheAudienceStory()
    {
        await scenario.ReadyAsync();
        using var client = scenario.CreateClientFor(scenario.Users["listed_stranger"]);

        var response = await client.GetAsync($"/stories/{scenario.StoryIds["audience"]}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task HiddenStoryAnswersExactlyLikeAMissingOne()
    {
        await scenario.ReadyAsync();
        using var client = scenario.CreateClientFor(scenario.Users["non_follower"]);

        var hidden = await (await client.GetAsync($"/stories/{scenario.StoryIds["private"]}")).AssertProblemAsync(HttpStatusCode.NotFound);
        var missing = await (await client.GetAsync($"/stories/{Guid.NewGuid()}")).AssertProblemAsync(HttpStatusCode.NotFound);

        Assert.Equal(hidden.GetProperty("title").GetString(), missing.GetProperty("title").GetString());
        Assert.Equal(hidden.GetProperty("type").GetString(), missing.GetProperty("type").GetString());
    }

    [Fact]
    public async Task CountsAreShownToTheAuthorOnly()
    {
        await scenario.ReadyAsync();
        using var author = scenario.CreateClientFor(scenario.Users["author"]);
        using var follower = scenario.CreateClientFor(scenario.Users["mutual"]);

        var own = await (await author.GetAsync($"/stories/{scenario.StoryIds["public"]}")).ReadJsonAsync();
        var other = await (await follower.GetAsync($"/stories/{scenario.StoryIds["public"]}")).ReadJsonAsync();

        Assert.True(own.TryGetProperty("view_count", out _));
        Assert.True(own.TryGetProperty("reaction_counts", out _));
        Assert.False(other.TryGetProperty("view_count", out _));
        Assert.False(other.TryGetProperty("reaction_counts", out _));
    }

    public sealed class Scenario : StoriesApiFactory
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private bool _ready;

        public Dictionary<string, TestUser> Users { get; } = [];

        public Dictionary<string, Guid> StoryIds { get; } = [];

        public static string SearchWord(string kind) => $"matrix{kind}word";

        public async Task ReadyAsync()
        {
            await _gate.WaitAsync();
            try
            {
                if (!_ready)
                {
                    await BuildAsync();
                    _ready = true;
                }
            }
            finally
            {
                _gate.Release();
            }
        }

        private async Task BuildAsync()
        {
            foreach (var name in Callers.Append("listed_stranger"))
            {
                Users[name] = await this.SignUpAsync();
            }

            var author = Users["author"];
            using var authorClient = this.CreateClientFor(author);
            foreach (var follower in new[] { "stranger_follower", "mutual", "audience_member", "removed_follower", "ex_follower", "blocked" })
            {
                using var client = this.CreateClientFor(Users[follower]);
                await client.FollowAsync(author.Id);
            }

            // Following back makes friends; then one friend is removed by the author, one unfollows.
            foreach (var friend in new[] { "mutual", "removed_follower", "ex_follower", "blocked" })
            {
                await authorClient.FollowAsync(Users[friend].Id);
            }

            Assert.Equal(HttpStatusCode.NoContent, (await authorClient.DeleteAsync($"/followers/{Users["removed_follower"].Id}")).StatusCode);
            using (var exFollower = this.CreateClientFor(Users["ex_follower"]))
            {
                await exFollower.UnfollowAsync(author.Id);
            }

            StoryIds["public"] = await authorClient.CreateStoryIdAsync($"A {SearchWord("public")} story", "public");
            StoryIds["friends"] = await authorClient.CreateStoryIdAsync($"A {SearchWord("friends")} story", "friends");
            StoryIds["audience"] = await authorClient.CreateStoryIdAsync(
                $"A {SearchWord("audience")} story", "friends", [Users["audience_member"].Id, Users["listed_stranger"].Id, Users["blocked"].Id]);
            StoryIds["private"] = await authorClient.CreateStoryIdAsync($"A {SearchWord("private")} story", "private");

            // Blocked last: a friend named on the audience list until then.
            Assert.Equal(HttpStatusCode.NoContent, (await authorClient.PostAsync($"/blocks/{Users["blocked"].Id}", null)).StatusCode);
        }
    }
}
