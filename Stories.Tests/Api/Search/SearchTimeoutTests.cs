using System.Net;
using Npgsql;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Search;

/// <summary>
/// A search that cannot finish within <c>Search:StatementTimeout</c> answers 503 instead of holding a
/// connection. Made deterministic by a lock the search must wait for: the timeout counts the wait too.
/// </summary>
public sealed class SearchTimeoutTests(SearchTimeoutTests.HalfSecondSearches factory) : IClassFixture<SearchTimeoutTests.HalfSecondSearches>
{
    [Fact]
    public async Task ASearchStoppedByTheStatementTimeoutAnswers503WithRetryAfter()
    {
        var reader = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(reader);
        client.Timeout = TimeSpan.FromSeconds(20);
        await using var blocker = new NpgsqlConnection(factory.DatabaseConnectionString);
        await blocker.OpenAsync();
        await using var holding = await blocker.BeginTransactionAsync();
        await using (var lockStories = new NpgsqlCommand("lock table stories in access exclusive mode", blocker, holding))
        {
            await lockStories.ExecuteNonQueryAsync();
        }

        HttpResponseMessage response;
        try
        {
            response = await client.GetAsync("/search?q=anything");
        }
        finally
        {
            await holding.RollbackAsync();
        }

        var problem = await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("The search took too long.", problem.GetProperty("title").GetString());
        Assert.NotNull(response.Headers.RetryAfter);
    }

    public sealed class HalfSecondSearches : StoriesApiFactory
    {
        public HalfSecondSearches() => WithSetting("Search:StatementTimeout", "00:00:00.5");
    }
}
