using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Stories.Api.Auth;
using Stories.Api.Infrastructure;
using Stories.Api.Infrastructure.Caching;
using Stories.Api.Infrastructure.RateLimiting;
using Stories.Data;

namespace Stories.Api.Features.Social;

/// <summary>
/// Blocks: a blocked user sees none of the blocker's stories (public ones included), cannot follow,
/// view or react, and is removed from the blocker's followers (the blocker stops following them too).
/// Blocking is invisible to the blocked user: their requests just find nothing (404). Both verbs are
/// idempotent and invalidate both users' cached feeds (docs/decisions/0011-friends-are-mutual-follows.md).
/// </summary>
public static class BlockEndpoints
{
    public static IEndpointRouteBuilder MapBlocks(this IEndpointRouteBuilder app)
    {
        // Blocks share the follows bucket: both are writes to the social graph that invalidate two feeds.
        var group = app.MapGroup("/blocks").RequireAuthorization().RequireRateLimit(RateLimitPolicy.Follows).WithTags("Social");

        group.MapPost("{user_id:guid}", BlockAsync).WithName("Block");
        group.MapDelete("{user_id:guid}", UnblockAsync).WithName("Unblock");
        return app;
    }

    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> BlockAsync(
        [Microsoft.AspNetCore.Mvc.FromRoute(Name = "user_id")] Guid userId,
        ClaimsPrincipal user,
        StoriesDbContext db,
        CacheInvalidation cacheInvalidation,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var blockerId = user.GetUserId();
        if (userId == blockerId)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "You cannot block yourself.");
        }

        // One statement, so the block and the end of both follows commit together.
        var now = time.GetUtcNowMicroseconds();
        await db.Database.ExecuteSqlAsync(
            $"""
            with unfollowed as (
                delete from follows
                where (follower_id = {userId} and followee_id = {blockerId})
                   or (follower_id = {blockerId} and followee_id = {userId}))
            insert into blocks (blocker_id, blocked_id, created_at)
            select {blockerId}, id, {now} from users where id = {userId}
            on conflict do nothing
            """,
            cancellationToken);
        await FollowEndpoints.InvalidateBothAsync(cacheInvalidation, blockerId, userId);

        return await FollowEndpoints.NoContentIfSeenAsync(db, userId, blockerId, cancellationToken);
    }

    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> UnblockAsync(
        [Microsoft.AspNetCore.Mvc.FromRoute(Name = "user_id")] Guid userId, ClaimsPrincipal user, StoriesDbContext db, CacheInvalidation cacheInvalidation, CancellationToken cancellationToken)
    {
        var blockerId = user.GetUserId();
        if (userId == blockerId)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "You cannot unblock yourself.");
        }

        var deleted = await db.Blocks.Where(block => block.BlockerId == blockerId && block.BlockedId == userId).ExecuteDeleteAsync(cancellationToken);
        if (deleted > 0)
        {
            await FollowEndpoints.InvalidateBothAsync(cacheInvalidation, blockerId, userId);
        }

        return await FollowEndpoints.NoContentIfSeenAsync(db, userId, blockerId, cancellationToken);
    }
}
