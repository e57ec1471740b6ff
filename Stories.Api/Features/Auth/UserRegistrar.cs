using Microsoft.EntityFrameworkCore;
using Stories.Api.Auth;
using Stories.Data;
using Stories.Data.Entities;

namespace Stories.Api.Features.Auth;

/// <summary>
/// Inserts a user race-safely: <c>INSERT … ON CONFLICT DO NOTHING</c>, then, when nothing was
/// inserted, finds out which unique value was taken. A handle derived from the email is retried with
/// a random suffix; one the user chose is theirs to change.
/// </summary>
public sealed class UserRegistrar(StoriesDbContext db, PasswordHasher hasher, TimeProvider time)
{
    private const int DerivedHandleAttempts = 8;

    public sealed record Outcome(User? User, string? Conflict);

    public async Task<Outcome> RegisterAsync(string email, string password, string? chosenHandle, CancellationToken cancellationToken)
    {
        if (await EmailTakenAsync(email, cancellationToken))
        {
            return new Outcome(null, "An account with this email already exists.");
        }

        var hash = await hasher.HashAsync(password, cancellationToken);
        var handle = chosenHandle ?? Credentials.HandleFromEmail(email);
        for (var attempt = 0; attempt < DerivedHandleAttempts; attempt++)
        {
            var user = new User { Id = Guid.CreateVersion7(), Email = email, PasswordHash = hash, Handle = handle, CreatedAt = time.GetUtcNow() };
            var inserted = await db.Database.ExecuteSqlAsync(
                $"""
                insert into users (id, email, password_hash, handle, created_at)
                values ({user.Id}, {user.Email}, {user.PasswordHash}, {user.Handle}, {user.CreatedAt})
                on conflict do nothing
                """,
                cancellationToken);
            if (inserted == 1)
            {
                return new Outcome(user, null);
            }

            if (await EmailTakenAsync(email, cancellationToken))
            {
                return new Outcome(null, "An account with this email already exists.");
            }

            if (chosenHandle is not null)
            {
                return new Outcome(null, "This handle is taken.");
            }

            handle = Credentials.WithRandomSuffix(Credentials.HandleFromEmail(email));
        }

        throw new InvalidOperationException($"No free handle found for a new user after {DerivedHandleAttempts} attempts.");
    }

    private Task<bool> EmailTakenAsync(string email, CancellationToken cancellationToken) =>
        db.Users.AnyAsync(user => user.Email == email, cancellationToken);
}
