using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Stories.Api.Auth;
using Stories.Api.Infrastructure;
using Stories.Api.Infrastructure.Caching;
using Stories.Api.Infrastructure.RateLimiting;
using Stories.Data;

namespace Stories.Api.Features.Social;

/// <summary>
/// Follows, and an author's control over them. Two users who follow each other are friends and see
/// each other's <c>friends</c> stories (docs/decisions/0011-friends-are-mutual-follows.md); an author
/// removes a follower with <c>DELETE /followers/{user_id}</c>. Every verb is idempotent; a change
/// invalidates both users' cached friend ids and feed pages, so it shows in the very next feed
/// request of either.
/// </summary>
public static class FollowEndpoints
{
    public static IEndpointRouteBuilder MapFollows(this IEndpointRouteBuilder app)
    {
        // One bucket for following and unfollowing: a script toggling a follow spends it either way.
        var group = app.MapGroup("/follow").RequireAuthorization().RequireRateLimit(RateLimitPolicy.Follows).WithTags("Social");

        group.MapPost("{user_id:guid}", FollowAsync).WithName("Follow");
        group.MapDelete("{user_id:guid}", UnfollowAsync).WithName("Unfollow");
        app.MapGroup("/followers").RequireAuthorization().RequireRateLimit(RateLimitPolicy.Follows).WithTags("Social")
            .MapDelete("{user_id:guid}", RemoveFollowerAsync).WithName("RemoveFollower");
        return app;
    }

    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> FollowAsync(
        [Microsoft.AspNetCore.Mvc.FromRoute(Name = "user_id")] Guid userId,
        ClaimsPrincipal user,
        StoriesDbContext db,
        CacheInvalidation cacheInvalidation,
        IOptions<SocialOptions> options,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var followerId = user.GetUserId();
        if (userId == followerId)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "You cannot follow yourself.");
        }

        // Insert only if the followee exists, has not blocked the follower and the follower is under the
        // maximum; a repeat follow changes nothing (and so is fine at the maximum too).
        var now = time.GetUtcNowMicroseconds();
        var maximum = options.Value.MaxFollowees;
        var inserted = await db.Database.ExecuteSqlAsync(
            $"""
            insert into follows (follower_id, followee_id, created_at)
            select {followerId}, id, {now} from users
            where id = {userId}
              and not exists (select 1 from blocks where blocker_id = {userId} and blocked_id = {followerId})
              and (select count(*) from follows where follower_id = {followerId}) < {maximum}
            on conflict do nothing
            """,
            cancellationToken);
        if (inserted > 0)
        {
            await InvalidateBothAsync(cacheInvalidation, followerId, userId);
            return TypedResults.NoContent();
        }

        if (!await IsSeenAsync(db, userId, followerId, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        return await db.Follows.AnyAsync(f => f.FollowerId == followerId && f.FolloweeId == userId, cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "You follow as many users as one account may.",
                detail: $"The most is {maximum}. Unfollow someone first.");
    }

    private static Task<Results<NoContent, NotFound, ProblemHttpResult>> UnfollowAsync(
        [Microsoft.AspNetCore.Mvc.FromRoute(Name = "user_id")] Guid userId, ClaimsPrincipal user, StoriesDbContext db, CacheInvalidation cacheInvalidation, CancellationToken cancellationToken) =>
        EndFollowAsync(user.GetUserId(), userId, callerFollows: true, "You cannot unfollow yourself.", db, cacheInvalidation, cancellationToken);

    /// <summary>The author's side: <paramref name="userId"/> no longer follows the caller.</summary>
    private static Task<Results<NoContent, NotFound, ProblemHttpResult>> RemoveFollowerAsync(
        [Microsoft.AspNetCore.Mvc.FromRoute(Name = "user_id")] Guid userId, ClaimsPrincipal user, StoriesDbContext db, CacheInvalidation cacheInvalidation, CancellationToken cancellationToken) =>
        EndFollowAsync(user.GetUserId(), userId, callerFollows: false, "You cannot remove yourself as a follower.", db, cacheInvalidation, cancellationToken);

    /// <summary>
    /// Deletes the follow between the caller and <paramref name="otherId"/> — the caller's own when
    /// <paramref name="callerFollows"/>, else the other's of the caller — if any; 404 only when the other
    /// is no user (or blocked the caller).
    /// </summary>
    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> EndFollowAsync(
        Guid callerId, Guid otherId, bool callerFollows, string selfTitle, StoriesDbContext db, CacheInvalidation cacheInvalidation, CancellationToken cancellationToken)
    {
        if (otherId == callerId)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: selfTitle);
        }

        var (followerId, followeeId) = callerFollows ? (callerId, otherId) : (otherId, callerId);
        var deleted = await db.Follows.Where(f => f.FollowerId == followerId && f.FolloweeId == followeeId).ExecuteDeleteAsync(cancellationToken);
        if (deleted > 0)
        {
            await InvalidateBothAsync(cacheInvalidation, followerId, followeeId);
        }

        return await NoContentIfSeenAsync(db, otherId, callerId, cancellationToken);
    }

    /// <summary>
    /// 204, or 404 when <paramref name="userId"/> is no user — or blocked <paramref name="viewerId"/>,
    /// which the blocked user must not be able to tell apart.
    /// </summary>
    internal static async Task<Results<NoContent, NotFound, ProblemHttpResult>> NoContentIfSeenAsync(
        StoriesDbContext db, Guid userId, Guid viewerId, CancellationToken cancellationToken) =>
        await IsSeenAsync(db, userId, viewerId, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();

    private static Task<bool> IsSeenAsync(StoriesDbContext db, Guid userId, Guid viewerId, CancellationToken cancellationToken) =>
        db.Users.SeenBy(db, viewerId).AnyAsync(u => u.Id == userId, cancellationToken);

    /// <summary>A follow changes who is whose friend on both sides: both users' cached friends and pages go.</summary>
    internal static Task InvalidateBothAsync(CacheInvalidation cacheInvalidation, Guid followerId, Guid followeeId) =>
        Task.WhenAll(cacheInvalidation.InvalidateUserAsync(followerId), cacheInvalidation.InvalidateUserAsync(followeeId));
}
