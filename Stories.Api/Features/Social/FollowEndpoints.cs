using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Stories.Api.Auth;
using Stories.Api.Features.Feed;
using Stories.Api.Infrastructure;
using Stories.Api.Infrastructure.RateLimiting;
using Stories.Data;

namespace Stories.Api.Features.Social;

/// <summary>
/// One-way follows: following someone lets you see their <c>friends</c> stories (see
/// docs/decisions/0002-friends-are-followers.md). Both verbs are idempotent; a change invalidates
/// the follower's cached followee ids and feed page, so it shows in their very next feed request.
/// </summary>
public static class FollowEndpoints
{
    public static IEndpointRouteBuilder MapFollows(this IEndpointRouteBuilder app)
    {
        // One bucket for following and unfollowing: a script toggling a follow spends it either way.
        var group = app.MapGroup("/follow").RequireAuthorization().RequireRateLimit(RateLimitPolicy.Follows).WithTags("Social");

        group.MapPost("{user_id:guid}", FollowAsync).WithName("Follow");
        group.MapDelete("{user_id:guid}", UnfollowAsync).WithName("Unfollow");
        return app;
    }

    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> FollowAsync(
        [Microsoft.AspNetCore.Mvc.FromRoute(Name = "user_id")] Guid userId,
        ClaimsPrincipal user,
        StoriesDbContext db,
        FeedCache feedCache,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var followerId = user.GetUserId();
        if (userId == followerId)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "You cannot follow yourself.");
        }

        // Insert only if the followee exists; a repeat follow changes nothing.
        var now = time.GetUtcNowMicroseconds();
        var inserted = await db.Database.ExecuteSqlAsync(
            $"""
            insert into follows (follower_id, followee_id, created_at)
            select {followerId}, id, {now} from users where id = {userId}
            on conflict do nothing
            """,
            cancellationToken);
        if (inserted > 0)
        {
            await feedCache.InvalidateUserAsync(followerId);
        }

        return await db.Users.AnyAsync(u => u.Id == userId, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> UnfollowAsync(
        [Microsoft.AspNetCore.Mvc.FromRoute(Name = "user_id")] Guid userId, ClaimsPrincipal user, StoriesDbContext db, FeedCache feedCache, CancellationToken cancellationToken)
    {
        var followerId = user.GetUserId();
        if (userId == followerId)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "You cannot unfollow yourself.");
        }

        var deleted = await db.Follows.Where(f => f.FollowerId == followerId && f.FolloweeId == userId).ExecuteDeleteAsync(cancellationToken);
        if (deleted > 0)
        {
            await feedCache.InvalidateUserAsync(followerId);
        }

        return await db.Users.AnyAsync(u => u.Id == userId, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();
    }
}
