using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Stories.Api.Auth;
using Stories.Api.Features.Stories;
using Stories.Api.Infrastructure;
using Stories.Api.Infrastructure.Paging;
using Stories.Data;

namespace Stories.Api.Features.Feed;

public static class FeedEndpoints
{
    public static IEndpointRouteBuilder MapFeed(this IEndpointRouteBuilder app)
    {
        app.MapGet("/feed", GetFeedAsync).RequireAuthorization().WithTags("Feed").WithName("GetFeed");
        return app;
    }

    /// <summary>
    /// Everything the caller may see — their own, public, and visible friends stories — active
    /// only, newest first, keyset-paginated on (created_at, id): two SQL statements a page, whatever its size.
    /// </summary>
    private static async Task<Results<Ok<StoryPage>, ValidationProblem>> GetFeedAsync(
        int? limit, string? cursor, ClaimsPrincipal user, StoriesDbContext db, StoryReader reader, TimeProvider time, CancellationToken cancellationToken)
    {
        if (Cursor.LimitError(limit) is { } limitError)
        {
            return TypedResults.ValidationProblem(Cursor.Error("limit", limitError));
        }

        if (!Cursor.TryDecodeTimeAndId(cursor, out var afterTime, out var afterId))
        {
            return TypedResults.ValidationProblem(Cursor.Error("cursor", "The cursor is not valid."));
        }

        var callerId = user.GetUserId();
        var stories = db.Stories.VisibleTo(db, callerId, time.GetUtcNowMicroseconds());
        if (cursor is not null)
        {
            stories = stories.Where(story => story.CreatedAt < afterTime || (story.CreatedAt == afterTime && story.Id.CompareTo(afterId) < 0));
        }

        var take = limit ?? Cursor.DefaultLimit;
        var rows = await StoryReader.Project(stories.OrderByDescending(story => story.CreatedAt).ThenByDescending(story => story.Id).Take(take + 1), callerId)
            .AsNoTracking()
            .ToListAsync(cancellationToken);
        var items = await reader.ToResponsesAsync([.. rows.Take(take)], callerId, cancellationToken);
        var next = rows.Count > take ? Cursor.Encode(items[^1].CreatedAt, items[^1].Id) : null;
        return TypedResults.Ok(new StoryPage(items, next));
    }
}
