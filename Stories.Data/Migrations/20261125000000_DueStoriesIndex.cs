using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Stories.Data.Migrations;

/// <summary>
/// The expiry sweep claims due stories with <c>where deleted_at is null and expires_at &lt; now
/// order by expires_at</c>. Through the full <c>ix_stories_expires_at</c> every batch first walked
/// past all the stories already swept — whose <c>expires_at</c> is older than any due one — and
/// fetched each from the heap to see its <c>deleted_at</c>: with 1M swept stories of history a
/// 5,000-row batch read 1,005,075 rows to keep none (0.8 s a batch, 266 s for a 1M sweep). This
/// partial index holds only stories not yet deleted, so a batch reads just the rows it claims, and
/// a swept story leaves it — which also spares the sweep's UPDATE one index insert per row.
/// Nothing else reads stories by <c>expires_at</c> alone.
/// <para>
/// Built <c>concurrently</c> (outside the migration's transaction) so that story writes go on while
/// a large table is indexed; the first statement clears an invalid index left by an interrupted run.
/// </para>
/// </summary>
[DbContext(typeof(StoriesDbContext))]
[Migration("20261125000000_DueStoriesIndex")]
public sealed class DueStoriesIndex : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("drop index concurrently if exists ix_stories_due", suppressTransaction: true);
        migrationBuilder.Sql(
            "create index concurrently ix_stories_due on stories (expires_at) where deleted_at is null",
            suppressTransaction: true);
        migrationBuilder.Sql("drop index concurrently if exists ix_stories_expires_at", suppressTransaction: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("create index concurrently if not exists ix_stories_expires_at on stories (expires_at)", suppressTransaction: true);
        migrationBuilder.Sql("drop index concurrently if exists ix_stories_due", suppressTransaction: true);
    }
}
