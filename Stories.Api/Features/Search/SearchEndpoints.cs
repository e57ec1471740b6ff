using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Stories.Api.Auth;
using Stories.Api.Features.Stories;
using Stories.Api.Infrastructure;
using Stories.Api.Infrastructure.Paging;
using Stories.Api.Infrastructure.Problems;
using Stories.Api.Infrastructure.RateLimiting;
using Stories.Data;

namespace Stories.Api.Features.Search;

public static class SearchEndpoints
{
    public const int MaxQueryLength = 200;
    private const string TextSearchConfig = "english";

    public static IEndpointRouteBuilder MapSearch(this IEndpointRouteBuilder app)
    {
        app.MapGet("/search", SearchAsync).RequireAuthorization().WithTags("Search").WithName("SearchStories").RequireRateLimit(RateLimitPolicy.Search);
        return app;
    }

    /// <summary>
    /// Full-text search over the text of stories the caller may see, best match first, then newest.
    /// <c>q</c> goes through <c>websearch_to_tsquery</c>, which accepts any input (quotes, <c>or</c>,
    /// <c>-</c>) without ever failing to parse. The generated <c>search_vector</c> and its GIN index do the matching.
    /// </summary>
    private static async Task<Results<Ok<StoryPage>, ValidationProblem, ProblemHttpResult>> SearchAsync(
        string? q, [AsParameters] PageRequest paging, ClaimsPrincipal user, StoriesDbContext db, StoryReader reader, TimeProvider time,
        IOptions<SearchOptions> options, HttpResponse response, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(q) || q.Length > MaxQueryLength || q.Contains('\0', StringComparison.Ordinal))
        {
            return TypedResults.ValidationProblem(FieldErrors.Of("q", $"q must be 1–{MaxQueryLength} characters, without NUL."));
        }

        if (paging.LimitErrors is { } limitErrors)
        {
            return TypedResults.ValidationProblem(limitErrors);
        }

        float afterRank = 0;
        DateTimeOffset afterTime = default;
        Guid afterId = default;
        var cursor = paging.Cursor;
        if (cursor is not null && (Cursor.Decode(cursor, 3) is not [var r, var t, var i]
            || !float.TryParse(r, NumberStyles.Float, CultureInfo.InvariantCulture, out afterRank)
            || !Cursor.TryTime(t, out afterTime) || !Guid.TryParse(i, out afterId)))
        {
            return TypedResults.ValidationProblem(PageRequest.CursorErrors);
        }

        var callerId = user.GetUserId();
        var now = time.GetUtcNowMicroseconds();
        // Only the newest matches are ranked: ranking reads every candidate's vector.
        var matches = db.Stories.VisibleTo(db, callerId, now)
            .Where(story => story.SearchVector!.Matches(EF.Functions.WebSearchToTsQuery(TextSearchConfig, q)))
            .OrderByDescending(story => story.CreatedAt).ThenByDescending(story => story.Id)
            .Take(options.Value.MaxCandidates)
            .Select(story => new { story.Id, story.CreatedAt, Rank = story.SearchVector!.Rank(EF.Functions.WebSearchToTsQuery(TextSearchConfig, q)) });
        if (cursor is not null)
        {
            matches = matches.Where(match => match.Rank < afterRank
                || (match.Rank == afterRank && (match.CreatedAt < afterTime || (match.CreatedAt == afterTime && match.Id.CompareTo(afterId) < 0))));
        }

        var take = paging.Take;
        var ranked = matches
            .OrderByDescending(match => match.Rank).ThenByDescending(match => match.CreatedAt).ThenByDescending(match => match.Id)
            .Take(take + 1);
        if (await SearchBounded.ToListAsync(db, ranked, options.Value.StatementTimeout, cancellationToken) is not { } page)
        {
            response.Headers.RetryAfter = "5";
            return TypedResults.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "The search took too long.",
                detail: $"It was stopped after {options.Value.StatementTimeout.TotalSeconds:0.#} s. Retry shortly, or search for rarer words.");
        }

        var ids = page.Take(take).Select(match => match.Id).ToList();
        var rows = await StoryReader.Project(db.Stories.VisibleTo(db, callerId, now).Where(story => ids.Contains(story.Id)), callerId)
            .AsNoTracking()
            .ToListAsync(cancellationToken);
        var ordered = rows.OrderBy(row => ids.IndexOf(row.Id)).ToList();
        var items = await reader.ToResponsesAsync(ordered, callerId, cancellationToken);
        var last = page.Count > take ? page[take - 1] : null;
        return TypedResults.Ok(new StoryPage(items, last is null ? null : Cursor.Encode(last.Rank, last.CreatedAt, last.Id)));
    }
}
