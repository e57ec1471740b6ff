using System.Net;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Search;

public sealed class SearchTests(StoriesApiFactory factory) : IClassFixture<StoriesApiFactory>
{
    [Fact]
    public async Task BetterMatchesRankFirstThenNewest()
    {
        var author = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(author);
        var word = $"kayak{Guid.NewGuid():N}"[..14];
        var weak = await client.CreateStoryIdAsync($"A long day by the sea, the weather was fine and at the end a {word}");
        var strong = await client.CreateStoryIdAsync($"{word} {word} {word}");
        var newestWeak = await client.CreateStoryIdAsync($"Another long day by the sea, the weather was fine and at the end a {word}");

        var found = await client.SearchIdsAsync(word);

        Assert.Equal([strong, newestWeak, weak], found);
    }

    [Fact]
    public async Task SearchStemsEnglishWords()
    {
        var author = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(author);
        var id = await client.CreateStoryIdAsync($"Went running along the canal {Guid.NewGuid():N}");

        var found = await client.SearchIdsAsync("run canal");

        Assert.Contains(id, found);
    }

    [Fact]
    public async Task SearchNeverReturnsStoriesTheCallerMayNotSee()
    {
        var author = await factory.SignUpAsync();
        var stranger = await factory.SignUpAsync();
        using var authorClient = factory.CreateClientFor(author);
        using var strangerClient = factory.CreateClientFor(stranger);
        var word = $"secret{Guid.NewGuid():N}"[..16];
        var hidden = await authorClient.CreateStoryIdAsync($"{word} private", "private");
        var friendsOnly = await authorClient.CreateStoryIdAsync($"{word} friends", "friends");
        var open = await authorClient.CreateStoryIdAsync($"{word} public", "public");

        var found = await strangerClient.SearchIdsAsync(word);

        Assert.Equal([open], found);
        Assert.Equal(3, (await authorClient.SearchIdsAsync(word)).Count);
        Assert.DoesNotContain(hidden, found);
        Assert.DoesNotContain(friendsOnly, found);
    }

    [Fact]
    public async Task SearchPagesWalkEveryMatchOnce()
    {
        var author = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(author);
        var word = $"paged{Guid.NewGuid():N}"[..14];
        var created = new List<Guid>();
        for (var i = 0; i < 7; i++)
        {
            created.Add(await client.CreateStoryIdAsync(string.Join(' ', Enumerable.Repeat(word, (i % 3) + 1))));
        }

        var walked = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = await (await client.GetAsync($"/search?q={word}&limit=3" + (cursor is null ? "" : $"&cursor={cursor}"))).ReadJsonAsync();
            walked.AddRange(page.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("id").GetGuid()));
            cursor = page.GetProperty("next_cursor").GetString();
        }
        while (cursor is not null);

        Assert.Equal(created.ToHashSet(), walked.ToHashSet());
        Assert.Equal(created.Count, walked.Count);
    }

    [Theory]
    [InlineData("\"unterminated")]
    [InlineData("-( or & | ! :* <->")]
    [InlineData("'; drop table stories; --")]
    [InlineData("🙂")]
    public async Task AnyQueryTextIsAnsweredWithoutError(string q)
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);

        var response = await client.GetAsync($"/search?q={Uri.EscapeDataString(q)}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("q=")]
    [InlineData("q=%20%20")]
    public async Task MissingOrBlankQueryIs400(string query)
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);

        var response = await client.GetAsync($"/search?{query}");

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.Errors().ContainsKey("q"));
    }

    [Fact]
    public async Task QueryOver200CharactersIs400()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);

        var response = await client.GetAsync($"/search?q={new string('a', 201)}");

        await response.AssertProblemAsync(HttpStatusCode.BadRequest);
    }
}
