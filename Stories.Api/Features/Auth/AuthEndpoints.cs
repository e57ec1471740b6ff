using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Stories.Api.Auth;
using Stories.Api.Infrastructure.RateLimiting;
using Stories.Data;
using Stories.Data.Entities;

namespace Stories.Api.Features.Auth;

public static class AuthEndpoints
{
    public static IEndpointRouteBuilder MapAuth(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("Auth").AllowAnonymous();

        // Per client IP, against credential stuffing and mass sign-ups.
        group.MapPost("/signup", SignUpAsync).WithName("SignUp").RequireRateLimit(RateLimitPolicy.Signup);
        group.MapPost("/login", LogInAsync).WithName("LogIn").RequireRateLimit(RateLimitPolicy.Login);

        app.MapGet("/me", GetMeAsync).WithTags("Auth").WithName("GetMe");
        return app;
    }

    private static async Task<Results<Created<AuthResponse>, ValidationProblem, ProblemHttpResult>> SignUpAsync(
        SignUpRequest request, UserRegistrar registrar, TokenIssuer tokens, ILogger<AuthLog> logger, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        AddError(errors, "email", Credentials.EmailError(request.Email));
        AddError(errors, "password", Credentials.PasswordError(request.Password));
        AddError(errors, "handle", Credentials.HandleError(request.Handle));
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var outcome = await registrar.RegisterAsync(Credentials.NormalizeEmail(request.Email!), request.Password!, request.Handle, cancellationToken);
        if (outcome.User is not { } user)
        {
            AuthLog.SignUpRefused(logger, outcome.Conflict);
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: outcome.Conflict);
        }

        AuthLog.SignedUp(logger, user.Id);
        return TypedResults.Created((string?)null, new AuthResponse(tokens.Issue(user.Id, user.Handle), user.Id, user.Email, user.Handle));
    }

    private static async Task<Results<Ok<AuthResponse>, ValidationProblem, ProblemHttpResult>> LogInAsync(
        LogInRequest request, StoriesDbContext db, PasswordHasher hasher, TokenIssuer tokens, TokenBuckets buckets, HttpResponse response,
        ILogger<AuthLog> logger, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        AddError(errors, "email", string.IsNullOrWhiteSpace(request.Email) ? "Email is required." : null);
        AddError(errors, "password", string.IsNullOrEmpty(request.Password) ? "Password is required." : null);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var email = Credentials.NormalizeEmail(request.Email!);
        // Known or not, every email has a bucket: refusing only known ones would tell them apart. Its
        // level is not shown on allowed answers: it would tell anyone how often others try the account.
        var emailDecision = await buckets.TakeAsync(RateLimitPolicy.LoginEmail, EmailPartition(email));
        if (!emailDecision.Allowed)
        {
            return TypedResults.Problem(response.TooManyRequests(RateLimitPolicy.LoginEmail, emailDecision));
        }

        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Email == email, cancellationToken);

        // Both failures answer the same 401 after paying the same bcrypt cost: nothing tells
        // an unknown email from a wrong password.
        var valid = user is not null && Credentials.PasswordError(request.Password) is null
            ? await hasher.VerifyAsync(user.PasswordHash, request.Password!, cancellationToken)
            : await VerifyNothingAsync(hasher, request.Password!, cancellationToken);
        if (!valid || user is null)
        {
            AuthLog.LogInFailed(logger, user?.Id);
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Invalid email or password.");
        }

        if (hasher.NeedsRehash(user.PasswordHash))
        {
            await RehashAsync(db, hasher, user, request.Password!, cancellationToken);
        }

        AuthLog.LoggedIn(logger, user.Id);
        return TypedResults.Ok(new AuthResponse(tokens.Issue(user.Id, user.Handle), user.Id, user.Email, user.Handle));
    }

    private static async Task<Results<Ok<ProfileResponse>, NotFound>> GetMeAsync(ClaimsPrincipal principal, StoriesDbContext db, CancellationToken cancellationToken)
    {
        var userId = principal.GetUserId();
        var profile = await db.Users.AsNoTracking()
            .Where(user => user.Id == userId)
            .Select(user => new ProfileResponse(user.Id, user.Email, user.Handle))
            .SingleOrDefaultAsync(cancellationToken);
        return profile is null ? TypedResults.NotFound() : TypedResults.Ok(profile);
    }

    /// <summary>
    /// Replaces a hash of an older cost with one at the configured cost. The <c>WHERE</c> names the old
    /// hash, so a password changed meanwhile is never overwritten.
    /// </summary>
    private static async Task RehashAsync(StoriesDbContext db, PasswordHasher hasher, User user, string password, CancellationToken cancellationToken)
    {
        var rehashed = await hasher.HashAsync(password, cancellationToken);
        await db.Users
            .Where(u => u.Id == user.Id && u.PasswordHash == user.PasswordHash)
            .ExecuteUpdateAsync(set => set.SetProperty(u => u.PasswordHash, rehashed), cancellationToken);
    }

    /// <summary>A digest, so that Redis keys carry no email address.</summary>
    private static string EmailPartition(string normalizedEmail) =>
        Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(normalizedEmail)));

    private static async Task<bool> VerifyNothingAsync(PasswordHasher hasher, string password, CancellationToken cancellationToken)
    {
        await hasher.VerifyAgainstNothingAsync(password, cancellationToken);
        return false;
    }

    private static void AddError(Dictionary<string, string[]> errors, string field, string? error)
    {
        if (error is not null)
        {
            errors[field] = [error];
        }
    }
}

/// <summary>
/// The <c>auth</c> log event: one shape for every sign-up and login outcome, never a password or token.
/// Not static, so that it names the category of the handlers' <c>ILogger&lt;AuthLog&gt;</c>.
/// </summary>
internal sealed partial class AuthLog
{
    private AuthLog()
    {
    }
    public static void SignedUp(ILogger logger, Guid userId) => Auth(logger, LogLevel.Information, "signup", "succeeded", userId, null);

    public static void SignUpRefused(ILogger logger, string? reason) => Auth(logger, LogLevel.Information, "signup", "refused", null, reason);

    public static void LoggedIn(ILogger logger, Guid userId) => Auth(logger, LogLevel.Information, "login", "succeeded", userId, null);

    public static void LogInFailed(ILogger logger, Guid? userId) => Auth(logger, LogLevel.Warning, "login", "failed", userId, null);

    [LoggerMessage(EventName = "auth", Message = "auth")]
    private static partial void Auth(ILogger logger, LogLevel level, string action, string outcome, Guid? userId, string? reason);
}
