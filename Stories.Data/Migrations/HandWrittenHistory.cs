using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Stories.Data.Migrations;

/// <summary>
/// Databases created before the EF baseline carry the history of the five hand-written migrations it
/// replaced. The baseline creates exactly the schema they left (SchemaBaselineTests compares the
/// catalogs), so such a database is adopted by rewriting its history — the five rows out, the
/// baseline's in, one transaction — and never migrated again. A database stopped at an earlier
/// hand-written migration is refused: no code applies the rest any more.
/// </summary>
internal static class HandWrittenHistory
{
    /// <summary>In the order they were applied; the last is the schema the baseline reproduces.</summary>
    private static readonly string[] s_migrationIds =
    [
        "20261122000000_InitialSchema",
        "20261123000000_RetentionIndexes",
        "20261124000000_ActiveStoryLookups",
        "20261125000000_DueStoriesIndex",
        "20261203000000_Blocks",
    ];

    /// <summary>Call under the migration lock, before migrating.</summary>
    public static async Task AdoptAsync(DatabaseFacade database, CancellationToken cancellationToken)
    {
        var history = database.GetService<IHistoryRepository>();
        if (!await history.ExistsAsync(cancellationToken))
        {
            return;
        }

        var applied = (await history.GetAppliedMigrationsAsync(cancellationToken)).Select(row => row.MigrationId).ToHashSet(StringComparer.Ordinal);
        var handWritten = s_migrationIds.Where(applied.Contains).ToList();
        if (handWritten.Count == 0)
        {
            return;
        }

        if (handWritten.Count < s_migrationIds.Length)
        {
            throw new InvalidOperationException(
                $"The database stopped at the hand-written migration {handWritten[^1]}, older than the schema the EF baseline " +
                $"adopts ({s_migrationIds[^1]}). Start a release of Stories from before the baseline (commit 3da9230) against it " +
                "once to finish those migrations, then this one; or recreate the database (stories live 24 hours).");
        }

        var baseline = new HistoryRow(database.GetMigrations().First(), ProductInfo.GetVersion());
        var script = string.Concat(handWritten.Select(history.GetDeleteScript)) + history.GetInsertScript(baseline);
        await using var transaction = await database.BeginTransactionAsync(cancellationToken);
        await database.ExecuteSqlRawAsync(script, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}
