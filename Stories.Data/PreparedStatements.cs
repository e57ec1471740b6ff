using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Stories.Data;

/// <summary>
/// Server-side prepared statements, chosen per statement. A query tagged <see cref="Prepared{T}"/> (or raw
/// SQL that starts with <see cref="Marker"/>) is prepared on its physical connection the first time it runs
/// there and executed from then on without being parsed and planned again: Npgsql keeps explicitly prepared
/// statements across pool returns, so a later <c>Prepare</c> of the same text on that connection costs no
/// round trip. Only the hot writes and their visibility checks are tagged — their texts are fixed and
/// their generic plans are the custom ones (primary-key lookups). The feed is left unprepared: PostgreSQL
/// switches a prepared statement to a generic plan after five runs, which is worse for the feed's array
/// and time parameters (docs/benchmarks.md, "Npgsql Max Auto Prepare"). See
/// docs/decisions/0018-prepared-writes.md.
/// </summary>
public static class PreparedStatements
{
    /// <summary>The tag, as EF Core writes it at the head of the SQL (<c>-- prepared</c>).</summary>
    public const string Tag = "prepared";

    /// <summary>The first line of a raw SQL statement that is to be prepared.</summary>
    public const string Marker = Head + "\n";

    private const string Head = "-- " + Tag;

    /// <summary>Marks <paramref name="query"/> for preparation (see <see cref="PreparedStatements"/>).</summary>
    public static IQueryable<T> Prepared<T>(this IQueryable<T> query) => query.TagWith(Tag);

    internal static IInterceptor Interceptor { get; } = new PreparingInterceptor();

    // EF Core ends a tag's line with Environment.NewLine; the raw SQL in C# source with "\n".
    internal static bool IsMarked(DbCommand command) =>
        command.CommandText is var text
        && text.StartsWith(Head, StringComparison.Ordinal)
        && text.Length > Head.Length
        && text[Head.Length] is '\n' or '\r';


    private sealed class PreparingInterceptor : DbCommandInterceptor
    {
        public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
        {
            Prepare(command);
            return result;
        }

        public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            await PrepareAsync(command, cancellationToken);
            return result;
        }

        public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
        {
            Prepare(command);
            return result;
        }

        public override async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            await PrepareAsync(command, cancellationToken);
            return result;
        }

        public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
        {
            Prepare(command);
            return result;
        }

        public override async ValueTask<InterceptionResult<object>> ScalarExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
        {
            await PrepareAsync(command, cancellationToken);
            return result;
        }

        private static void Prepare(DbCommand command)
        {
            if (IsMarked(command))
            {
                command.Prepare();
            }
        }

        private static Task PrepareAsync(DbCommand command, CancellationToken cancellationToken) =>
            IsMarked(command) ? command.PrepareAsync(cancellationToken) : Task.CompletedTask;
    }
}
