using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Stories.Data.Migrations;

/// <summary>
/// Indexes for the worker's retention clean-ups, which would otherwise scan every story on each
/// pass: purging finds soft-deleted stories by age, and the orphan-upload clean-up asks which of a
/// page of storage keys any story still references. Both are partial, so the many rows without a
/// <c>deleted_at</c> or a <c>media_key</c> cost nothing.
/// </summary>
[DbContext(typeof(StoriesDbContext))]
[Migration("20261123000000_RetentionIndexes")]
public sealed class RetentionIndexes : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            create index ix_stories_deleted_at on stories (deleted_at) where deleted_at is not null;
            create index ix_stories_media_key on stories (media_key) where media_key is not null;
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            drop index ix_stories_media_key;
            drop index ix_stories_deleted_at;
            """);
    }
}
