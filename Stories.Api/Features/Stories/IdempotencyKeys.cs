using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Stories.Data;
using Stories.Data.Entities;

namespace Stories.Api.Features.Stories;

/// <summary>
/// <c>Idempotency-Key</c>s of <c>POST /stories</c>, kept in PostgreSQL: a key is claimed under a
/// transaction-scoped advisory lock and stored, with the answer to replay, in the transaction of the story
/// it created — so either both exist or neither does (docs/decisions/0003-idempotency-keys-in-postgresql.md).
/// A key is the user's own; the request is recognised by its fingerprint.
/// </summary>
public sealed class IdempotencyKeys(StoriesDbContext db, IOptions<StoryOptions> options, IOptions<JsonOptions> json)
{
    public const int MaxLength = 255;

    public enum Status { Fresh, InProgress, Replay, UsedWithOtherRequest }

    /// <summary>What a key says about a request: <see cref="Stored"/> is the answer to replay when <see cref="Status.Replay"/>.</summary>
    public sealed record Claim(Status Status, IdempotencyKey? Stored = null);

    /// <summary>The field error of a key the header cannot carry, or null.</summary>
    public static string? Error(string key) =>
        key.Length is 0 or > MaxLength ? $"The Idempotency-Key header must be 1–{MaxLength} characters." : null;

    /// <summary>SHA-256 of the parsed request as the API serializes it: whitespace in the JSON does not make another request.</summary>
    public string Fingerprint<TRequest>(TRequest request) =>
        Convert.ToHexString(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(request, json.Value.SerializerOptions)));

    /// <summary>
    /// The key's stored answer while it is remembered, read without its lock (a stored key never changes);
    /// null while the key is not stored (or forgotten), which only <see cref="ClaimAsync"/> may settle.
    /// </summary>
    public async Task<Claim?> RememberedAsync(Guid userId, string key, string fingerprint, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var since = now - options.Value.IdempotencyKeyLifetime;
        var stored = await db.IdempotencyKeys.AsNoTracking()
            .SingleOrDefaultAsync(remembered => remembered.UserId == userId && remembered.Key == key && remembered.CreatedAt > since, cancellationToken);
        return stored is null ? null : Replay(stored, fingerprint);
    }

    /// <summary>
    /// In the caller's transaction: takes the advisory lock on (user, key) without waiting — if another
    /// request holds it, that request is still running. Under the lock, a remembered key is replayed (or
    /// refused for another request), and one older than its lifetime is forgotten.
    /// </summary>
    public async Task<Claim> ClaimAsync(Guid userId, string key, string fingerprint, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var lockName = $"idempotency:{userId}:{key}";
        var locked = await db.Database
            .SqlQuery<bool>($"select pg_try_advisory_xact_lock(hashtextextended({lockName}, 0)) as \"Value\"")
            .SingleAsync(cancellationToken);
        if (!locked)
        {
            return new Claim(Status.InProgress);
        }

        var existing = await db.IdempotencyKeys.AsNoTracking()
            .SingleOrDefaultAsync(remembered => remembered.UserId == userId && remembered.Key == key, cancellationToken);
        if (existing is null)
        {
            return new Claim(Status.Fresh);
        }

        if (existing.CreatedAt > now - options.Value.IdempotencyKeyLifetime)
        {
            return Replay(existing, fingerprint);
        }

        await db.IdempotencyKeys.Where(stale => stale.UserId == userId && stale.Key == key).ExecuteDeleteAsync(cancellationToken);
        return new Claim(Status.Fresh);
    }

    /// <summary>Adds the key and the answer to replay to the caller's unit of work, to commit with what it created.</summary>
    public void Store<TResponse>(Guid userId, string key, string fingerprint, int statusCode, TResponse response, string location, DateTimeOffset now) =>
        db.IdempotencyKeys.Add(new IdempotencyKey
        {
            UserId = userId,
            Key = key,
            RequestHash = fingerprint,
            StatusCode = statusCode,
            // Stored as text, not jsonb, so the replay is byte for byte the first answer.
            ResponseBody = JsonSerializer.Serialize(response, json.Value.SerializerOptions),
            Location = location,
            CreatedAt = now,
        });

    private static Claim Replay(IdempotencyKey stored, string fingerprint) =>
        stored.RequestHash == fingerprint ? new Claim(Status.Replay, stored) : new Claim(Status.UsedWithOtherRequest);
}
