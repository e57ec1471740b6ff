using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Stories.Api.Auth;
using Stories.Data;

namespace Stories.Api.Features.Social;

public sealed record FollowingResponse(IReadOnlyList<FollowedUser> Users);

/// <summary>A user the caller follows; <c>FollowsYou</c> makes them friends (mutual follows).</summary>
public sealed record FollowedUser(Guid UserId, string Handle, bool FollowsYou, DateTimeOffset FollowedAt);

/// <summary>
/// Whom the caller follows, newest first, so a client can offer "follow" or "unfollow" and mark
/// friends. One answer holds them all: nobody follows more than <c>Social:MaxFollowees</c> users.
/// </summary>
public static class FollowingEndpoints
{
    public static IEndpointRouteBuilder MapFollowing(this IEndpointRouteBuilder app)
    {
        app.MapGet("/me/following", GetFollowingAsync).RequireAuthorization().WithTags("Social").WithName("GetMyFollowing");
        return app;
    }

    private static async Task<Ok<FollowingResponse>> GetFollowingAsync(ClaimsPrincipal user, StoriesDbContext db, CancellationToken cancellationToken)
    {
        var me = user.GetUserId();
        var following = await db.Follows
            .Where(follow => follow.FollowerId == me)
            .OrderByDescending(follow => follow.CreatedAt)
            .ThenBy(follow => follow.FolloweeId)
            .Join(db.Users, follow => follow.FolloweeId, followee => followee.Id, (follow, followee) => new FollowedUser(
                followee.Id,
                followee.Handle,
                db.Follows.Any(back => back.FollowerId == followee.Id && back.FolloweeId == me),
                follow.CreatedAt))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new FollowingResponse(following));
    }
}
