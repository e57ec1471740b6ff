using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Stories.Data.Migrations;

/// <summary>
/// Blocks (docs/decisions/0011-friends-are-mutual-follows.md): every read of a story asks whether its
/// author blocked the reader, by the primary key (blocker_id, blocked_id); a user's blockers are found
/// by <c>ix_blocks_blocked_id</c>.
/// </summary>
[DbContext(typeof(StoriesDbContext))]
[Migration("20261203000000_Blocks")]
public sealed class Blocks : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql(
        """
        create table blocks (
            blocker_id uuid not null references users (id) on delete cascade,
            blocked_id uuid not null references users (id) on delete cascade,
            created_at timestamptz not null,
            primary key (blocker_id, blocked_id),
            check (blocker_id <> blocked_id)
        );
        create index ix_blocks_blocked_id on blocks (blocked_id);
        """);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("drop table blocks;");
}
