using Microsoft.EntityFrameworkCore;
using Npgsql;
using Stories.Data;

namespace Stories.Api.Features.Search;

/// <summary>
/// Runs the search query under PostgreSQL's <c>statement_timeout</c>, set for its own transaction
/// only (<c>set_config(…, true)</c> is <c>SET LOCAL</c>), so the pooled connection keeps no trace of it.
/// </summary>
internal static class SearchBounded
{
    /// <summary>The rows, or null when PostgreSQL stopped the query at the timeout.</summary>
    public static async Task<List<T>?> ToListAsync<T>(StoriesDbContext db, IQueryable<T> query, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var milliseconds = $"{(long)timeout.TotalMilliseconds}ms";
        await db.Database.ExecuteSqlAsync($"select set_config('statement_timeout', {milliseconds}, true)", cancellationToken);
        try
        {
            var rows = await query.ToListAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return rows;
        }
        // 57014 is also what a cancelled request raises; only the timeout is this answer.
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.QueryCanceled && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }
}
