using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Stories.Api.Auth;
using Stories.Api.Infrastructure;
using Stories.Data;

namespace Stories.Api.Features.Stats;

public sealed record StatsResponse(int Posted, int Views, int UniqueViewers, IReadOnlyDictionary<string, int> Reactions, IReadOnlyList<StatsDay> Days);

/// <summary>One UTC date of the window: the stories posted that day, and the views and reactions that day brought.</summary>
public sealed record StatsDay(DateOnly Date, int Posted, int Views, int Reactions);

public static class StatsEndpoints
{
    /// <summary>Today and the six UTC dates before it.</summary>
    public const int Days = 7;

    public static IEndpointRouteBuilder MapStats(this IEndpointRouteBuilder app)
    {
        app.MapGet("/me/stats", GetStatsAsync).RequireAuthorization().WithTags("Stats").WithName("GetMyStats");
        return app;
    }

    /// <summary>
    /// Over every story the caller posted since the start of the window's first UTC date — expired
    /// and deleted ones included, since their views and reactions happened — in four aggregate
    /// statements. A story's views and reactions come after it, so each day's counts add up to the totals.
    /// </summary>
    private static async Task<Ok<StatsResponse>> GetStatsAsync(ClaimsPrincipal user, StoriesDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var authorId = user.GetUserId();
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var firstDay = today.AddDays(1 - Days);
        var since = new DateTimeOffset(firstDay.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var stories = db.Stories.Where(story => story.AuthorId == authorId && story.CreatedAt >= since);

        var posted = await stories.CountAsync(cancellationToken);
        var views = db.StoryViews.Where(view => stories.Any(story => story.Id == view.StoryId));
        var viewTotals = await views
            .GroupBy(_ => 1)
            .Select(group => new { Views = group.Count(), UniqueViewers = group.Select(view => view.ViewerId).Distinct().Count() })
            .SingleOrDefaultAsync(cancellationToken);
        var reactions = await db.Reactions
            .Where(reaction => stories.Any(story => story.Id == reaction.StoryId))
            .GroupBy(reaction => reaction.Emoji)
            .Select(group => new { Emoji = group.Key, Count = group.Count() })
            .ToDictionaryAsync(count => count.Emoji, count => count.Count, cancellationToken);
        var days = await CountByDayAsync(db, authorId, since, cancellationToken);

        return TypedResults.Ok(new StatsResponse(
            posted,
            viewTotals?.Views ?? 0,
            viewTotals?.UniqueViewers ?? 0,
            reactions,
            [.. Enumerable.Range(0, Days).Select(offset => firstDay.AddDays(offset)).Select(date => days.GetValueOrDefault(date, new StatsDay(date, 0, 0, 0)))]));
    }

    /// <summary>Each event on the UTC date it happened, dates without any left out.</summary>
    private static async Task<Dictionary<DateOnly, StatsDay>> CountByDayAsync(StoriesDbContext db, Guid authorId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var rows = await db.Database.SqlQuery<DayCount>(
            $"""
            with mine as (select id, created_at from stories where author_id = {authorId} and created_at >= {since})
            select (at at time zone 'UTC')::date as "Date",
                   count(*) filter (where kind = 0)::int as "Posted",
                   count(*) filter (where kind = 1)::int as "Views",
                   count(*) filter (where kind = 2)::int as "Reactions"
            from (
                select created_at as at, 0 as kind from mine
                union all
                select v.viewed_at, 1 from story_views v join mine on mine.id = v.story_id
                union all
                select r.created_at, 2 from reactions r join mine on mine.id = r.story_id
            ) happened
            group by 1
            """).ToListAsync(cancellationToken);
        return rows.ToDictionary(row => row.Date, row => new StatsDay(row.Date, row.Posted, row.Views, row.Reactions));
    }

    private sealed record DayCount(DateOnly Date, int Posted, int Views, int Reactions);
}
