using System.Net;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Search;

/// <summary>
/// A word in 100,000 visible stories must not make one search rank them all: the newest
/// <c>Search:MaxCandidates</c> matches are ranked, under a <c>statement_timeout</c> (2 s by default)
/// past which the search answers 503 rather than holding a connection.
/// </summary>
public sealed class SearchBoundsTests(SearchBoundsTests.ThreeCandidates factory) : IClassFixture<SearchBoundsTests.ThreeCandidates>
{
    [Fact]
    public async Task AWordIn100000VisibleStoriesIsAnsweredWithinTheStatementTimeout()
    {
        var author = await factory.SignUpAsync();
        var reader = await factory.SignUpAsync();
        await SeedPublicStoriesAsync(author.Id, "lighthouse", 100_000);
        using var client = factory.CreateClientFor(reader);

        var response = await client.GetAsync("/search?q=lighthouse&limit=2");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.ReadJsonAsync();
        Assert.Equal(2, page.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task OnlyTheNewestCandidatesAreRanked()
    {
        var author = await factory.SignUpAsync();
        var reader = await factory.SignUpAsync();
        await SeedPublicStoriesAsync(author.Id, "seashell", 5);
        using var client = factory.CreateClientFor(reader);

        var response = await client.GetAsync("/search?q=seashell");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = (await response.ReadJsonAsync()).GetProperty("items").EnumerateArray().Select(item => item.GetProperty("text").GetString()).ToList();
        Assert.Equal(["seashell 1", "seashell 2", "seashell 3"], items);
    }

    /// <summary>One set-based insert, story n created n ms before now: "word 1" is the newest.</summary>
    private Task<int> SeedPublicStoriesAsync(Guid authorId, string word, int count) =>
        factory.ScalarAsync<int>(
            """
            with inserted as (
                insert into stories (id, author_id, text, visibility, created_at, expires_at)
                select gen_random_uuid(), @author, @word || ' ' || n, 'public', @now - n * interval '1 millisecond', @now + interval '23 hours'
                from generate_series(1, @count) as n
                returning 1)
            select count(*)::int from inserted
            """,
            ("author", authorId), ("word", word), ("count", count), ("now", factory.Clock.GetUtcNow()));

    public sealed class ThreeCandidates : StoriesApiFactory
    {
        // Three for the candidate test; the 100,000-story test asks for two items, so three candidates bound it the same way.
        public ThreeCandidates() => WithSetting("Search:MaxCandidates", "3");
    }
}
