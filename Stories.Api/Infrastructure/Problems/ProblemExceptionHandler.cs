using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Stories.Api.Auth;
using Stories.Data.Storage;

namespace Stories.Api.Infrastructure.Problems;

/// <summary>
/// Maps what escapes a handler to problem+json. Only three kinds are expected here: a request the
/// framework could not bind (a 4xx the client must fix), an unavailable dependency — the database
/// or storage — and more bcrypt work than the process takes at once (503, retry later). Everything else is a bug and answers a bare 500 that reveals nothing.
/// </summary>
internal sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            BadHttpRequestException { InnerException: JsonException json } => InvalidJson(json),
            BadHttpRequestException bad => new ProblemDetails { Status = bad.StatusCode, Title = TitleFor(bad.StatusCode), Detail = bad.Message },
            // Before the database test: a storage timeout must not be reported as the database's.
            StorageUnavailableException => StorageUnavailable(httpContext, exception),
            CommitOutcomeUnknownException => CommitOutcomeUnknown(httpContext, exception),
            PasswordHasherBusyException => PasswordHasherBusy(httpContext),
            _ when IsDatabaseUnavailable(exception) => DatabaseUnavailable(httpContext, exception),
            // A safety net: text PostgreSQL cannot store (NUL, invalid UTF-8) is the client's input,
            // even where no validator caught it first.
            _ when FindPostgresError(exception) is PostgresErrorCodes.CharacterNotInRepertoire or PostgresErrorCodes.UntranslatableCharacter
                => new ProblemDetails { Status = StatusCodes.Status400BadRequest, Title = "The request contains characters that cannot be stored (such as NUL)." },
            _ => null,
        };
        if (problem is null)
        {
            return false;
        }

        httpContext.Response.StatusCode = problem.Status ?? StatusCodes.Status400BadRequest;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    private static HttpValidationProblemDetails InvalidJson(JsonException json)
    {
        var field = json.Path is null or "$" ? "body" : json.Path.TrimStart('$', '.');
        var message = json.Path is null ? "The body is not valid JSON." : "The value has the wrong type or format for this field.";
        return new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request body is invalid.",
        };
    }

    private ProblemDetails DatabaseUnavailable(HttpContext httpContext, Exception exception)
    {
        LogDatabaseUnavailable(logger, exception);
        httpContext.Response.Headers.RetryAfter = "5";
        return new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "The database is unavailable.",
            Detail = "Nothing was changed by this request. Retry shortly.",
        };
    }

    private ProblemDetails CommitOutcomeUnknown(HttpContext httpContext, Exception exception)
    {
        LogCommitOutcomeUnknown(logger, exception.InnerException ?? exception);
        httpContext.Response.Headers.RetryAfter = "5";
        return new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "The database was lost while saving.",
            Detail = "The outcome is unknown: the change may or may not have been saved. Retry with the same Idempotency-Key " +
                "to get its result; without one, look before you retry, or it may be made twice.",
        };
    }

    private static ProblemDetails PasswordHasherBusy(HttpContext httpContext)
    {
        httpContext.Response.Headers.RetryAfter = "1";
        return new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "Too many password checks at once.",
            Detail = "Nothing was changed by this request. Retry in a second.",
        };
    }

    private ProblemDetails StorageUnavailable(HttpContext httpContext, Exception exception)
    {
        LogStorageUnavailable(logger, exception.InnerException ?? exception);
        httpContext.Response.Headers.RetryAfter = "5";
        return new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "Media storage is unavailable.",
            Detail = "Nothing was changed by this request. Stories without media still work; retry media shortly.",
        };
    }

    private static bool IsDatabaseUnavailable(Exception exception) =>
        exception.Chain().Any(current => current is NpgsqlException { IsTransient: true } or TimeoutException);

    private static string? FindPostgresError(Exception exception) =>
        exception.Chain().OfType<PostgresException>().FirstOrDefault()?.SqlState;

    private static string TitleFor(int status) => status switch
    {
        StatusCodes.Status413PayloadTooLarge => "The request body is too large.",
        StatusCodes.Status415UnsupportedMediaType => "The request body must be application/json.",
        _ => "The request is invalid.",
    };

    [LoggerMessage(EventName = "database_unavailable", Level = LogLevel.Warning, Message = "database unavailable")]
    private static partial void LogDatabaseUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(EventName = "commit_outcome_unknown", Level = LogLevel.Warning, Message = "database lost during commit; outcome unknown")]
    private static partial void LogCommitOutcomeUnknown(ILogger logger, Exception exception);

    [LoggerMessage(EventName = "storage_unavailable", Level = LogLevel.Warning, Message = "storage unavailable")]
    private static partial void LogStorageUnavailable(ILogger logger, Exception exception);
}
