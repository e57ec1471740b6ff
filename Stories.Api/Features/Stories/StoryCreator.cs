using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
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
/// <c>Idempotency-Key</c> — the response to replay, all in one transaction (a story with neither is one
/// autocommitted row, inserted by a prepared statement). Because the key and the
/// story commit together, a client that lost the response can retry and get the very same story,
/// even if the process died between the insert and the answer.
/// A <c>media_key</c> is checked against storage before the transaction opens, so no database
/// transaction waits on storage; storage being down answers 503 (see ProblemExceptionHandler).
/// The key itself is <see cref="IdempotencyKeys"/>' to claim and store; what the answer looks like on the
/// wire is the endpoint's.
/// </summary>
public sealed partial class StoryCreator(
    StoriesDbContext db,
    IdempotencyKeys idempotencyKeys,
    MediaVerifier media,
    MediaStorage storage,
    IOptions<StoryOptions> options,
    TimeProvider time,
    CacheInvalidation cacheInvalidation,
    ApiMetrics metrics,
    ILogger<StoryCreator> logger)
{
    public enum CreateOutcome { Created, Replayed, Invalid, KeyInProgress, KeyUsedWithOtherRequest }

    /// <summary>
    /// What became of the request: the new <see cref="Story"/> and its <see cref="Location"/>; the stored answer
    /// of an earlier request with the same key (<see cref="Replayed"/>); or the field <see cref="Errors"/>.
    /// </summary>
    public sealed record Creation(
        CreateOutcome Outcome, StoryResponse? Story = null, string? Location = null, IdempotencyKey? Replayed = null, Dictionary<string, string[]>? Errors = null);

    /// <summary>Creates the story; <c>authorHandle</c> is the handle the caller's token carries, or null to read it from the database.</summary>
    public async Task<Creation> CreateAsync(
        Guid authorId, string? authorHandle, CreateStoryRequest request, string? idempotencyKey, CancellationToken cancellationToken)
    {
        if (idempotencyKey is not null && IdempotencyKeys.Error(idempotencyKey) is { } keyError)
        {
            return Invalid(FieldErrors.Of("Idempotency-Key", keyError));
        }

        var now = time.GetUtcNowMicroseconds();
        // Only a keyed request is fingerprinted: the hash of its serialized body is work the common story skips.
        var keyed = idempotencyKey is null ? ((string Key, string Fingerprint)?)null : (idempotencyKey, idempotencyKeys.Fingerprint(request));
        // A retry of a stored key is answered before validation and storage are asked anything: its story
        // exists, so the answer must not depend on storage being up now (or on rules changed since). A key
        // not stored yet is claimed under its lock below, which also settles two retries racing here.
        if (keyed is var (key, fingerprint) && await idempotencyKeys.RememberedAsync(authorId, key, fingerprint, now, cancellationToken) is { } remembered)
        {
            return Answer(remembered);
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
            return Invalid(errors);
        }

        authorHandle ??= await db.Users.Where(user => user.Id == authorId).Select(user => user.Handle).Prepared().SingleAsync(cancellationToken);
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
        // A replay returns this body as stored, so its media_url may have expired by then; a GET of the story gives a fresh one.
        var response = new StoryResponse(
            story.Id,
            new AuthorSummary(authorId, authorHandle),
            story.Text,
            story.MediaKey,
            story.MediaKey is { } mediaKey ? storage.PresignDownload(mediaKey) : null,
            StoryVisibilityNames.ToName(story.Visibility),
            story.CreatedAt, story.ExpiresAt, ViewCount: 0, ReactionCounts: new Dictionary<string, int>(), ViewedByMe: false);
        var location = $"/stories/{story.Id}";

        if (keyed is null && story.Audience.Count == 0)
        {
            await InsertAloneAsync(story, cancellationToken);
        }
        else if (await InsertWithKeyOrAudienceAsync(story, keyed, response, location, now, cancellationToken) is { } claim)
        {
            return Answer(claim);
        }

        LogStoryCreated(logger, story.Id, authorId, response.Visibility);
        metrics.StoryCreated();
        // The author's next feed request shows the story at once (a replay above changed nothing).
        await cacheInvalidation.InvalidateUserAsync(authorId);
        return new Creation(CreateOutcome.Created, response, location);
    }

    /// <summary>
    /// The common story — no key, no audience — is one row, so one autocommitted, prepared <c>INSERT</c>
    /// (raw SQL, like the reaction's: <c>SaveChanges</c>' text cannot be prepared, and it would read the
    /// computed search vector back): no <c>BEGIN</c>/<c>COMMIT</c> round trip. The connection is opened
    /// first, so a database that cannot be reached still answers "nothing was changed"; once the insert is
    /// sent, only an error the server answers for the statement (not a lost session) proves it was not
    /// committed. Null columns are sent typed, so the prepared statement's parameter types never change.
    /// </summary>
    private async Task InsertAloneAsync(Story story, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await db.Database.ExecuteSqlAsync(
                $"""
                -- prepared
                insert into stories (id, author_id, text, media_key, visibility, created_at, expires_at)
                values ({story.Id}, {story.AuthorId}, {Text(story.Text)}, {Text(story.MediaKey)},
                        {StoryVisibilityNames.ToName(story.Visibility)}, {story.CreatedAt}, {story.ExpiresAt})
                """,
                cancellationToken);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested && IsOutcomeUnknown(exception))
        {
            throw new CommitOutcomeUnknownException(exception);
        }
        finally
        {
            // Opened here, so closed here: a pooled context would otherwise keep the connection out of the pool.
            await db.Database.CloseConnectionAsync();
        }
    }

    private static NpgsqlParameter Text(string? value) => new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value };

    /// <summary>
    /// A key (claimed under its lock, stored with the story) or an audience (more rows) need one explicit
    /// transaction; null when the story was inserted, else what the key already settled.
    /// </summary>
    private async Task<IdempotencyKeys.Claim?> InsertWithKeyOrAudienceAsync(
        Story story, (string Key, string Fingerprint)? keyed, StoryResponse response, string location, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // A failed write abandons the whole transaction, so EF's savepoint around SaveChanges buys nothing;
        // and when the client hangs up mid-insert, rolling back to it with the cancelled token is what
        // logged "An error occurred using a transaction." at error level.
        db.Database.AutoSavepointsEnabled = false;

        if (keyed is var (key, fingerprint))
        {
            var claim = await idempotencyKeys.ClaimAsync(story.AuthorId, key, fingerprint, now, cancellationToken);
            if (claim.Status is not IdempotencyKeys.Status.Fresh)
            {
                return claim;
            }

            idempotencyKeys.Store(story.AuthorId, key, fingerprint, StatusCodes.Status201Created, response, location, now);
        }

        db.Stories.Add(story);
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

        return null;
    }

    /// <summary>
    /// Whether an autocommitted statement's failure leaves its commit unknown: an error the server answers
    /// for the statement rolled it back, but a lost connection or a terminated session (FATAL) may have
    /// come after the commit. The first Npgsql exception down the chain decides.
    /// </summary>
    private static bool IsOutcomeUnknown(Exception exception) =>
        exception.Chain().OfType<NpgsqlException>().FirstOrDefault() is { } npgsql
        && npgsql is not PostgresException { InvariantSeverity: not ("FATAL" or "PANIC") };

    private static Creation Invalid(Dictionary<string, string[]> errors) => new(CreateOutcome.Invalid, Errors: errors);

    /// <summary>What an idempotency key already settled: the earlier answer, a refusal, or "still in progress".</summary>
    private static Creation Answer(IdempotencyKeys.Claim claim) => claim.Status switch
    {
        IdempotencyKeys.Status.Replay => new Creation(CreateOutcome.Replayed, Replayed: claim.Stored),
        IdempotencyKeys.Status.InProgress => new Creation(CreateOutcome.KeyInProgress),
        _ => new Creation(CreateOutcome.KeyUsedWithOtherRequest),
    };

    [LoggerMessage(EventName = "story_created", Level = LogLevel.Information, Message = "story created")]
    private static partial void LogStoryCreated(ILogger logger, Guid storyId, Guid userId, string visibility);
}
