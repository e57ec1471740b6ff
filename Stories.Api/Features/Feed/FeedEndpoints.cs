using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Stories.Api.Auth;
using Stories.Api.Features.Stories;
using Stories.Api.Infrastructure.Http;
using Stories.Api.Infrastructure.Paging;

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
    /// only, newest first, keyset-paginated on (created_at, id). The first page may come from its
    /// Redis cache (see <see cref="FeedPageCache"/>); the others always come from PostgreSQL.
    /// </summary>
    private static async Task<Results<Ok<StoryPage>, Utf8JsonResult, ValidationProblem>> GetFeedAsync(
        [AsParameters] PageRequest paging, ClaimsPrincipal user, FeedQuery feed, CancellationToken cancellationToken)
    {
        if (paging.TimeAndIdErrors(out var after) is { } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var answer = await feed.GetPageAsync(user.GetUserId(), paging.Take, after, cancellationToken);
        return answer.Page is { } page ? TypedResults.Ok(page) : new Utf8JsonResult(answer.CachedJson);
    }
}
