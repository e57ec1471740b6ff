using System.Net;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Stories;

public sealed class CreateStoryTests(StoriesApiFactory factory) : IClassFixture<StoriesApiFactory>
{
    [Fact]
    public async Task CreatedStoryIsReturnedWithLocationAndExpiresAfter24Hours()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);

        var response = await client.PostJsonAsync("/stories", new { text = "  Morning coffee  ", visibility = "public" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var story = await response.ReadJsonAsync();
        var id = story.GetProperty("id").GetGuid();
        Assert.Equal($"/stories/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("Morning coffee", story.GetProperty("text").GetString());
        Assert.Equal("public", story.GetProperty("visibility").GetString());
        Assert.Equal(user.Id, story.GetProperty("author").GetProperty("id").GetGuid());
        Assert.Equal(user.Handle, story.GetProperty("author").GetProperty("handle").GetString());
        Assert.Equal(TimeSpan.FromHours(24), story.GetProperty("expires_at").GetDateTimeOffset() - story.GetProperty("created_at").GetDateTimeOffset());
        Assert.False(story.GetProperty("viewed_by_me").GetBoolean());
        var fetched = await (await client.GetAsync($"/stories/{id}")).ReadJsonAsync();
        Assert.Equal(story.GetProperty("created_at").GetDateTimeOffset(), fetched.GetProperty("created_at").GetDateTimeOffset());
    }

    [Fact]
    public async Task AStoryWithoutKeyOrAudienceIsOneStatementWhenTheTokenCarriesTheAuthorsHandle()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        using var statements = new NpgsqlCommandCounter(factory.DatabaseName, _ => true);

        var story = await client.CreateStoryAsync(new { text = "one round trip", visibility = "public" });

        Assert.Equal(1, statements.Count);
        Assert.Equal(user.Handle, story.GetProperty("author").GetProperty("handle").GetString());
        Assert.Equal(1L, await factory.ScalarAsync<long>($"select count(*) from stories where id = '{story.GetProperty("id").GetGuid()}'"));
    }

    [Fact]
    public async Task ATokenIssuedBeforeTokensCarriedTheHandleStillNamesTheAuthorFromTheDatabase()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientWithToken(ApiTestExtensions.CreateToken(user.Id, issuedAt: factory.Clock.GetUtcNow()));
        using var statements = new NpgsqlCommandCounter(factory.DatabaseName, _ => true);

        var story = await client.CreateStoryAsync(new { text = "handle looked up", visibility = "public" });

        Assert.Equal(2, statements.Count);
        Assert.Equal(user.Handle, story.GetProperty("author").GetProperty("handle").GetString());
    }

    [Fact]
    public async Task TextInAnyLanguageIsAnsweredAsUtf8WhileHtmlSensitiveCharactersAndEmojiStayEscaped()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        const string text = "Привет, 世界! 🔥 <b>&'";

        var response = await client.PostJsonAsync("/stories", new { text, visibility = "private" });

        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Contains("Привет, 世界!", body, StringComparison.Ordinal);
        Assert.Contains("\\uD83D\\uDD25 \\u003Cb\\u003E\\u0026\\u0027", body, StringComparison.Ordinal);
        Assert.Equal(text, (await response.ReadJsonAsync()).GetProperty("text").GetString());
    }

    [Fact]
    public async Task ServerOwnedFieldsInTheBodyAreIgnored()
    {
        var user = await factory.SignUpAsync();
        var other = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);

        var story = await client.CreateStoryAsync(new
        {
            text = "mine",
            visibility = "public",
            id = Guid.NewGuid(),
            author_id = other.Id,
            author = new { id = other.Id, handle = "someone" },
            created_at = "2000-01-01T00:00:00Z",
            expires_at = "2100-01-01T00:00:00Z",
            deleted_at = "2000-01-02T00:00:00Z",
        });

        Assert.Equal(user.Id, story.GetProperty("author").GetProperty("id").GetGuid());
        Assert.True(story.GetProperty("created_at").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5));
        Assert.Equal(TimeSpan.FromHours(24), story.GetProperty("expires_at").GetDateTimeOffset() - story.GetProperty("created_at").GetDateTimeOffset());
    }

    [Fact]
    public async Task TextOf2200CharactersIsAcceptedAnd2201IsNot()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);

        var longest = await client.PostJsonAsync("/stories", new { text = new string('a', 2200), visibility = "public" });
        var tooLong = await client.PostJsonAsync("/stories", new { text = new string('a', 2201), visibility = "public" });

        Assert.Equal(HttpStatusCode.Created, longest.StatusCode);
        var problem = await tooLong.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("2200", Assert.Single(problem.Errors()["text"]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("   ")]
    public async Task StoryWithoutTextOrMediaIsRejected(string? text)
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);

        var response = await client.PostJsonAsync("/stories", new { text, visibility = "public" });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.Errors().ContainsKey("text"));
    }

    [Theory]
    [InlineData("\"everyone\"")]
    [InlineData("null")]
    [InlineData("7")]
    public async Task UnknownVisibilityIsRejectedNamingTheAllowedValues(string visibilityJson)
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);

        var response = await client.PostRawJsonAsync("/stories", $$"""{"text": "hi", "visibility": {{visibilityJson}}}""");

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.Errors().ContainsKey("visibility"));
    }

    [Theory]
    [InlineData("public")]
    [InlineData("private")]
    public async Task AudienceIsOnlyAllowedWithFriends(string visibility)
    {
        var user = await factory.SignUpAsync();
        var friend = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);

        var response = await client.PostJsonAsync("/stories", new { text = "hi", visibility, audience_user_ids = new[] { friend.Id } });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("friends", Assert.Single(problem.Errors()["audience_user_ids"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownAudienceIdsAreRejectedByName()
    {
        var user = await factory.SignUpAsync();
        var friend = await factory.SignUpAsync();
        var ghost = Guid.NewGuid();
        using var client = factory.CreateClientFor(user);

        var response = await client.PostJsonAsync("/stories", new { text = "hi", visibility = "friends", audience_user_ids = new[] { friend.Id, ghost } });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        var error = Assert.Single(problem.Errors()["audience_user_ids"]);
        Assert.Contains(ghost.ToString(), error, StringComparison.Ordinal);
        Assert.DoesNotContain(friend.Id.ToString(), error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("uploads/{other}/photo.jpg")]
    [InlineData("uploads/{me}/../{other}/photo.jpg")]
    [InlineData("photo.jpg")]
    [InlineData("uploads/{me}/")]
    public async Task MediaKeyOutsideTheCallersUploadPrefixIsRejected(string template)
    {
        var user = await factory.SignUpAsync();
        var other = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        var mediaKey = template.Replace("{me}", user.Id.ToString(), StringComparison.Ordinal).Replace("{other}", other.Id.ToString(), StringComparison.Ordinal);

        var response = await client.PostJsonAsync("/stories", new { media_key = mediaKey, visibility = "public" });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.Errors().ContainsKey("media_key"));
    }

    [Fact]
    public async Task DeleteIsForTheAuthorOnlyAndHidesTheStory()
    {
        var author = await factory.SignUpAsync();
        var stranger = await factory.SignUpAsync();
        using var authorClient = factory.CreateClientFor(author);
        using var strangerClient = factory.CreateClientFor(stranger);
        var id = await authorClient.CreateStoryIdAsync("to be deleted");

        var byStranger = await strangerClient.DeleteAsync($"/stories/{id}");
        var byAuthor = await authorClient.DeleteAsync($"/stories/{id}");
        var again = await authorClient.DeleteAsync($"/stories/{id}");
        var get = await authorClient.GetAsync($"/stories/{id}");

        await byStranger.AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.NoContent, byAuthor.StatusCode);
        await again.AssertProblemAsync(HttpStatusCode.NotFound);
        await get.AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.DoesNotContain(id, await strangerClient.FeedIdsAsync());
    }

    [Fact]
    public async Task MalformedStoryIdIs404Problem()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);

        var response = await client.GetAsync("/stories/not-a-uuid");

        await response.AssertProblemAsync(HttpStatusCode.NotFound);
    }
}
