using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Stories.Api.Features.Feed;
using Stories.Data;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Feed;

/// <summary>
/// The feed's first page as PostgreSQL plans it over a table that is mostly history, as a running service's is:
/// stories live a day and are kept, soft-deleted, until retention purges them. The planner must know how many
/// stories are still visible; when it multiplied "not deleted" by "not expired" it guessed a few hundred of
/// thousands, sorted every active story for each page, and a feed miss cost 150 ms instead of a millisecond
/// (ADR 0021).
/// </summary>
public sealed class FeedPlanTests
{
    private const int PageSize = 20;

    /// <summary>
    /// 1,000 authors and 200,000 public stories posted evenly over 30 days, each expiring a day after it was
    /// posted and soft-deleted once expired (as the expiry sweep leaves them): about one in thirty still visible.
    /// Then ANALYZE, as autovacuum does after so many rows.
    /// </summary>
    private const string ThirtyDaysOfStories = """
        insert into users (id, email, password_hash, handle, created_at)
        select gen_random_uuid(), 'plan' || i || '@example.com', 'not a hash', 'plan_' || i, now()
        from generate_series(1, 1000) as i;

        insert into stories (id, author_id, text, visibility, created_at, expires_at, deleted_at)
        select gen_random_uuid(), authors.ids[1 + i % 1000], 'story ' || i, 'public', posted,
               posted + interval '1 day', case when posted + interval '1 day' < now() then posted + interval '1 day' end
        from generate_series(1, 200000) as i,
             lateral (select now() - i * interval '30 days' / 200000 as posted) as time,
             (select array_agg(id) as ids from users) as authors;

        analyze;
        """;

    [Fact]
    public async Task TheFeedsFirstPageReadsAboutAPageOfStoriesWhenMostOfTheTableIsHistory()
    {
        await using var database = await ScratchDatabase.CreateAsync();
        await database.MigrateAsync();
        await database.ExecuteAsync(ThirtyDaysOfStories);
        await using var db = database.NewContext();
        var viewer = await db.Users.Select(user => user.Id).FirstAsync();
        var visible = await db.Stories.CountAsync(story => story.DeletedAt == null && story.ExpiresAt > DateTimeOffset.UtcNow);

        var plan = await ExplainAnalyzeAsync(db, FeedQuery.PageQuery(db, viewer, PageSize, after: null, friendIds: [], DateTimeOffset.UtcNow));

        Assert.True(visible > 5_000, $"the seed should leave thousands of visible stories, not {visible}");
        var read = RowsReadFrom(plan, "stories");
        Assert.True(
            read <= 5 * PageSize,
            $"the first page read {read} rows of stories, {visible} of which are visible: the plan sorts them instead of walking " +
            $"ix_stories_active_created_at newest first and stopping at the page.{Environment.NewLine}{plan}");
    }

    /// <summary>The query's plan as PostgreSQL ran it: <c>EXPLAIN (ANALYZE, FORMAT JSON)</c> with the query's own parameters.</summary>
    private static async Task<string> ExplainAnalyzeAsync<T>(StoriesDbContext db, IQueryable<T> query)
    {
        await db.Database.OpenConnectionAsync();
        try
        {
            await using var command = query.CreateDbCommand();
            command.CommandText = "explain (analyze, format json) " + command.CommandText;
            return (string)(await command.ExecuteScalarAsync())!;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Rows the plan's scans of <paramref name="table"/> produced or discarded, over all their loops.</summary>
    private static double RowsReadFrom(string plan, string table)
    {
        using var document = JsonDocument.Parse(plan);
        return Nodes(document.RootElement[0].GetProperty("Plan"))
            .Where(node => node.TryGetProperty("Relation Name", out var relation) && relation.GetString() == table)
            .Sum(node => (node.GetProperty("Actual Rows").GetDouble() + Removed(node, "Rows Removed by Filter") + Removed(node, "Rows Removed by Index Recheck"))
                         * node.GetProperty("Actual Loops").GetDouble());

        static double Removed(JsonElement node, string property) => node.TryGetProperty(property, out var value) ? value.GetDouble() : 0;

        static IEnumerable<JsonElement> Nodes(JsonElement node) =>
            node.TryGetProperty("Plans", out var children)
                ? children.EnumerateArray().SelectMany(Nodes).Prepend(node)
                : [node];
    }
}
