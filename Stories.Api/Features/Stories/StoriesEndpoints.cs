using System.Diagnostics;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Stories.Api.Auth;
using Stories.Api.Infrastructure;
using Stories.Api.Infrastructure.Caching;
using Stories.Api.Infrastructure.Paging;
using Stories.Api.Infrastructure.Problems;
using Stories.Api.Infrastructure.RateLimiting;
using Stories.Data;

namespace Stories.Api.Features.Stories;

public static class StoriesEndpoints
{
    public static IEndpointRouteBuilder MapStories(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/stories").RequireAuthorization().WithTags("Stories");

        group.MapPost("", CreateAsync).WithName("CreateStory").RequireRateLimit(RateLimitPolicy.Stories);
        group.MapGet("{id:guid}", GetAsync).WithName("GetStory");
        group.MapDelete("{id:guid}", DeleteAsync).WithName("DeleteStory").RequireRateLimit(RateLimitPolicy.Deletes);
        group.MapPost("{id:guid}/view", ViewAsync).WithName("ViewStory").RequireRateLimit(RateLimitPolicy.Views);
        group.MapPost("{id:guid}/reactions", ReactAsync).WithName("ReactToStory").RequireRateLimit(RateLimitPolicy.Reactions);
        group.MapGet("{id:guid}/viewers", GetViewersAsync).WithName("GetStoryViewers");
        return app;
    }

    /// <summary>
    /// A replay answers the first request's stored status and body as they are, with its <c>Location</c> and
    /// <c>Idempotent-Replayed: true</c>; a key reused with another body is 422, one still in flight 409.
    /// </summary>
    private static async Task<Results<Created<StoryResponse>, ContentHttpResult, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateStoryRequest request,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        ClaimsPrincipal user,
        StoryCreator creator,
        HttpResponse response,
        CancellationToken cancellationToken)
    {
        var creation = await creator.CreateAsync(user.GetUserId(), user.GetHandle(), request, idempotencyKey, cancellationToken);
        switch (creation)
        {
            case { Outcome: StoryCreator.CreateOutcome.Created, Story: { } story, Location: { } location }:
                return TypedResults.Created(location, story);
            case { Outcome: StoryCreator.CreateOutcome.Replayed, Replayed: { } replayed }:
                response.Headers.Location = replayed.Location;
                response.Headers["Idempotent-Replayed"] = "true";
                return TypedResults.Content(replayed.ResponseBody, "application/json", statusCode: replayed.StatusCode);
            case { Outcome: StoryCreator.CreateOutcome.KeyInProgress }:
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status409Conflict,
                    title: "A request with this Idempotency-Key is still in progress.",
                    detail: "Retry once it has finished to get its result.");
            case { Outcome: StoryCreator.CreateOutcome.KeyUsedWithOtherRequest }:
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status422UnprocessableEntity, title: "This Idempotency-Key was already used with a different request body.");
            case { Outcome: StoryCreator.CreateOutcome.Invalid, Errors: { } errors }:
                return TypedResults.ValidationProblem(errors);
            default:
                throw new UnreachableException($"A creation without what its outcome needs: {creation}.");
        }
    }

    private static async Task<Results<Ok<StoryResponse>, NotFound>> GetAsync(
        Guid id, ClaimsPrincipal user, StoryReader reader, TimeProvider time, CancellationToken cancellationToken)
    {
        var story = await reader.GetAsync(id, user.GetUserId(), time.GetUtcNowMicroseconds(), cancellationToken);
        return story is null ? TypedResults.NotFound() : TypedResults.Ok(story);
    }

    /// <summary>
    /// Soft delete, by the author only; for anyone else the story does not exist. The story may sit on
    /// anyone's cached feed page, so every cached page is invalidated.
    /// </summary>
    private static async Task<Results<NoContent, NotFound>> DeleteAsync(
        Guid id, ClaimsPrincipal user, StoriesDbContext db, CacheInvalidation cacheInvalidation, TimeProvider time, CancellationToken cancellationToken)
    {
        var callerId = user.GetUserId();
        var now = time.GetUtcNowMicroseconds();
        var deleted = await db.Stories
            .Where(story => story.Id == id && story.AuthorId == callerId && story.VisibleUntil > now)
            .ExecuteUpdateAsync(story => story.SetProperty(s => s.DeletedAt, now), cancellationToken);
        if (deleted == 0)
        {
            return TypedResults.NotFound();
        }

        await cacheInvalidation.InvalidateEveryoneAsync();
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, NotFound>> ViewAsync(
        Guid id, ClaimsPrincipal user, StoryInteractions interactions, CancellationToken cancellationToken)
    {
        var view = await interactions.ViewAsync(id, user.GetUserId(), cancellationToken);
        return view == StoryInteractions.ViewOutcome.NotFound ? TypedResults.NotFound() : TypedResults.NoContent();
    }

    private static async Task<Results<Created<ReactionResponse>, ValidationProblem, NotFound, ProblemHttpResult>> ReactAsync(
        Guid id, ReactionRequest request, ClaimsPrincipal user, StoryInteractions interactions, CancellationToken cancellationToken)
    {
        if (StoryInteractions.NormalizeEmoji(request.Emoji) is not { } emoji)
        {
            return TypedResults.ValidationProblem(FieldErrors.Of("emoji", $"Emoji must be one of: {string.Join(" ", StoryInteractions.AllowedEmoji)}."));
        }

        var result = await interactions.ReactAsync(id, user.GetUserId(), emoji, cancellationToken);
        return result switch
        {
            { Outcome: StoryInteractions.ReactOutcome.NotFound } => TypedResults.NotFound(),
            { Outcome: StoryInteractions.ReactOutcome.OwnStory } => TypedResults.Problem(
                statusCode: StatusCodes.Status403Forbidden, title: "You cannot react to your own story."),
            { Reaction: var reaction } => TypedResults.Created(
                $"/stories/{id}", new ReactionResponse(reaction!.Id, reaction.StoryId, reaction.Emoji, reaction.CreatedAt)),
        };
    }

    /// <summary>Who viewed the caller's own story, newest first; keyset-paginated on (viewed_at, viewer_id).</summary>
    private static async Task<Results<Ok<ViewerPage>, ValidationProblem, NotFound>> GetViewersAsync(
        Guid id, [AsParameters] PageRequest paging, ClaimsPrincipal user, StoriesDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        if (paging.TimeAndIdErrors(out var after) is { } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var callerId = user.GetUserId();
        var isOwnVisibleStory = await db.Stories.VisibleTo(db, callerId, time.GetUtcNowMicroseconds())
            .AnyAsync(story => story.Id == id && story.AuthorId == callerId, cancellationToken);
        if (!isOwnVisibleStory)
        {
            return TypedResults.NotFound();
        }

        var take = paging.Take;
        var views = db.StoryViews.AsNoTracking().Where(view => view.StoryId == id);
        if (after is var (afterTime, afterViewer))
        {
            views = views.Where(view => view.ViewedAt < afterTime || (view.ViewedAt == afterTime && view.ViewerId.CompareTo(afterViewer) < 0));
        }

        var page = await views
            .OrderByDescending(view => view.ViewedAt).ThenByDescending(view => view.ViewerId)
            .Take(take + 1)
            .Join(db.Users, view => view.ViewerId, viewer => viewer.Id, (view, viewer) => new { viewer.Id, viewer.Handle, view.ViewedAt })
            .OrderByDescending(viewer => viewer.ViewedAt).ThenByDescending(viewer => viewer.Id)
            .Select(viewer => new ViewerResponse(viewer.Id, viewer.Handle, viewer.ViewedAt))
            .ToListAsync(cancellationToken);
        var items = page.Take(take).ToList();
        var next = page.Count > take ? Cursor.Encode(items[^1].ViewedAt, items[^1].UserId) : null;
        return TypedResults.Ok(new ViewerPage(items, next));
    }
}
