using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Stories.Api.Auth;
using Stories.Api.Infrastructure;
using Stories.Data;

namespace Stories.Api.Features.Stats;

public sealed record StatsResponse(int Posted, int Views, int UniqueViewers, IReadOnlyDictionary<string, int> Reactions);

public static class StatsEndpoints
{
    public static readonly TimeSpan Window = TimeSpan.FromDays(7);

    public static IEndpointRouteBuilder MapStats(this IEndpointRouteBuilder app)
    {
        app.MapGet("/me/stats", GetStatsAsync).RequireAuthorization().WithTags("Stats").WithName("GetMyStats");
        return app;
    }

    /// <summary>
    /// Over every story the caller posted in the last 7 days — expired and deleted ones included,
    /// since their views and reactions happened — in three aggregate statements.
    /// </summary>
    private static async Task<Ok<StatsResponse>> GetStatsAsync(ClaimsPrincipal user, StoriesDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var authorId = user.GetUserId();
        var since = time.GetUtcNowMicroseconds() - Window;
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

        return TypedResults.Ok(new StatsResponse(posted, viewTotals?.Views ?? 0, viewTotals?.UniqueViewers ?? 0, reactions));
    }
}
