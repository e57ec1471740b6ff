using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Stories.Api.Features.Uploads;
using Stories.Api.Infrastructure;
using Stories.Api.Infrastructure.Caching;
using Stories.Api.Infrastructure.Metrics;
using Stories.Api.Infrastructure.Problems;
using Stories.Data;
using Stories.Data.Entities;
using Stories.Data.Storage;

namespace Stories.Api.Features.Stories;

/// <summary>
/// <c>POST /stories</c>: validates, then inserts the story, its audience and — with an
/// <c>Idempotency-Key</c> — the response to replay, all in one transaction. Because the key and the
/// story commit together, a client that lost the response can retry and get the very same story,
/// even if the process died between the insert and the answer.
/// A <c>media_key</c> is checked against storage before the transaction opens, so no database
/// transaction waits on storage; storage being down answers 503 (see ProblemExceptionHandler).
/// </summary>
public sealed partial class StoryCreator(
    StoriesDbContext db,
    MediaVerifier media,
    MediaStorage storage,
    IOptions<StoryOptions> options,
    IOptions<JsonOptions> json,
    TimeProvider time,
    CacheInvalidation cacheInvalidation,
    ApiMetrics metrics,
    ILogger<StoryCreator> logger)
{
    public const int MaxIdempotencyKeyLength = 255;

    public async Task<Results<Created<StoryResponse>, ContentHttpResult, ValidationProblem, ProblemHttpResult>> CreateAsync(
        Guid authorId, CreateStoryRequest request, string? idempotencyKey, HttpResponse httpResponse, CancellationToken cancellationToken)
    {
        if (idempotencyKey is { Length: 0 or > MaxIdempotencyKeyLength })
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["Idempotency-Key"] = [$"The Idempotency-Key header must be 1–{MaxIdempotencyKeyLength} characters."],
            });
        }

        var now = time.GetUtcNowMicroseconds();
        var fingerprint = Convert.ToHexString(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(request, json.Value.SerializerOptions)));
        // A retry of a stored key is answered before validation and storage are asked anything: its story
        // exists, so the answer must not depend on storage being up now (or on rules changed since). A key
        // not stored yet is claimed under its lock below, which also settles two retries racing here.
        if (idempotencyKey is not null && await RememberedAsync(authorId, idempotencyKey, now, cancellationToken) is { } remembered)
        {
            return Replay(remembered, fingerprint, httpResponse);
        }

        var errors = StoryValidation.Validate(request, authorId, options.Value, out var draft);
        if (errors.Count == 0 && draft.Audience.Count > 0)
        {
            var known = await db.Users.Where(user => draft.Audience.Contains(user.Id)).Select(user => user.Id).ToListAsync(cancellationToken);
            var unknown = draft.Audience.Except(known).ToList();
            if (unknown.Count > 0)
            {
                errors["audience_user_ids"] = [$"Unknown user ids: {string.Join(", ", unknown)}."];
            }
        }

        if (errors.Count == 0 && draft.MediaKey is not null && await media.ProblemWithAsync(draft.MediaKey, cancellationToken) is { } mediaProblem)
        {
            errors["media_key"] = [mediaProblem];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // A failed write abandons the whole transaction, so EF's savepoint around SaveChanges buys nothing;
        // and when the client hangs up mid-insert, rolling back to it with the cancelled token is what
        // logged "An error occurred using a transaction." at error level.
        db.Database.AutoSavepointsEnabled = false;

        if (idempotencyKey is not null)
        {
            var earlier = await ClaimKeyAsync(authorId, idempotencyKey, now, cancellationToken);
            switch (earlier)
            {
                case KeyClaim.InProgress:
                    return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "A request with this Idempotency-Key is still in progress.", detail: "Retry once it has finished to get its result.");
                case KeyClaim.Used { Key: var used }:
                    return Replay(used, fingerprint, httpResponse);
            }
        }

        var storyId = Guid.CreateVersion7(now);
        var story = new Story
        {
            Id = storyId,
            AuthorId = authorId,
            Text = draft.Text,
            MediaKey = draft.MediaKey,
            Visibility = draft.Visibility,
            CreatedAt = now,
            ExpiresAt = now + options.Value.Ttl,
            HasAudience = draft.Audience.Count > 0,
            Audience = [.. draft.Audience.Select(userId => new StoryAudience { StoryId = storyId, UserId = userId })],
        };
        db.Stories.Add(story);
        var handle = await db.Users.Where(user => user.Id == authorId).Select(user => user.Handle).SingleAsync(cancellationToken);
        // A replay returns this body as stored, so its media_url may have expired by then; a GET of the story gives a fresh one.
        var response = new StoryResponse(
            story.Id,
            new AuthorSummary(authorId, handle),
            story.Text,
            story.MediaKey,
            story.MediaKey is { } mediaKey ? storage.PresignDownload(mediaKey) : null,
            StoryVisibilityNames.ToName(story.Visibility),
            story.CreatedAt, story.ExpiresAt, ViewCount: 0, ReactionCounts: new Dictionary<string, int>(), ViewedByMe: false);
        var location = $"/stories/{story.Id}";

        if (idempotencyKey is not null)
        {
            db.IdempotencyKeys.Add(new IdempotencyKey
            {
                UserId = authorId,
                Key = idempotencyKey,
                RequestHash = fingerprint,
                StatusCode = StatusCodes.Status201Created,
                ResponseBody = JsonSerializer.Serialize(response, json.Value.SerializerOptions),
                Location = location,
                CreatedAt = now,
            });
        }

        await db.SaveChangesAsync(cancellationToken);
        try
        {
            await transaction.CommitAsync(cancellationToken);
        }
        catch (NpgsqlException exception) when (!cancellationToken.IsCancellationRequested)
        {
            // COMMIT was sent: whether it took effect, the lost connection cannot say.
            throw new CommitOutcomeUnknownException(exception);
        }

        LogStoryCreated(logger, story.Id, authorId, response.Visibility);
        metrics.StoryCreated();
        // The author's next feed request shows the story at once (a replay above changed nothing).
        await cacheInvalidation.InvalidateUserAsync(authorId);
        return TypedResults.Created(location, response);
    }

    /// <summary>The stored answer for the same body; 422 for a key used with another body.</summary>
    private static Results<Created<StoryResponse>, ContentHttpResult, ValidationProblem, ProblemHttpResult> Replay(
        IdempotencyKey used, string fingerprint, HttpResponse httpResponse)
    {
        if (used.RequestHash != fingerprint)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "This Idempotency-Key was already used with a different request body.");
        }

        httpResponse.Headers.Location = used.Location;
        httpResponse.Headers["Idempotent-Replayed"] = "true";
        return TypedResults.Content(used.ResponseBody, "application/json", statusCode: used.StatusCode);
    }

    /// <summary>The key's stored answer while it is remembered, read without its lock (a stored key never changes).</summary>
    private Task<IdempotencyKey?> RememberedAsync(Guid userId, string key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var since = now - options.Value.IdempotencyKeyLifetime;
        return db.IdempotencyKeys.AsNoTracking()
            .SingleOrDefaultAsync(remembered => remembered.UserId == userId && remembered.Key == key && remembered.CreatedAt > since, cancellationToken);
    }

    private abstract record KeyClaim
    {
        public sealed record InProgress : KeyClaim;

        public sealed record Used(IdempotencyKey Key) : KeyClaim;

        public sealed record Fresh : KeyClaim;
    }

    /// <summary>
    /// Takes a transaction-scoped advisory lock on (user, key) without waiting: if another request
    /// holds it, that request is still running. Under the lock, a remembered key is either replayed
    /// or — once older than its lifetime — forgotten.
    /// </summary>
    private async Task<KeyClaim> ClaimKeyAsync(Guid userId, string key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var lockName = $"idempotency:{userId}:{key}";
        var locked = await db.Database
            .SqlQuery<bool>($"select pg_try_advisory_xact_lock(hashtextextended({lockName}, 0)) as \"Value\"")
            .SingleAsync(cancellationToken);
        if (!locked)
        {
            return new KeyClaim.InProgress();
        }

        var existing = await db.IdempotencyKeys.AsNoTracking()
            .SingleOrDefaultAsync(remembered => remembered.UserId == userId && remembered.Key == key, cancellationToken);
        if (existing is null)
        {
            return new KeyClaim.Fresh();
        }

        if (existing.CreatedAt > now - options.Value.IdempotencyKeyLifetime)
        {
            return new KeyClaim.Used(existing);
        }

        await db.IdempotencyKeys.Where(stale => stale.UserId == userId && stale.Key == key).ExecuteDeleteAsync(cancellationToken);
        return new KeyClaim.Fresh();
    }

    [LoggerMessage(EventName = "story_created", Level = LogLevel.Information, Message = "story created")]
    private static partial void LogStoryCreated(ILogger logger, Guid storyId, Guid userId, string visibility);
}
