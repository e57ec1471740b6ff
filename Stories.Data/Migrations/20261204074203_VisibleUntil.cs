using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Stories.Data.Migrations
{
    /// <inheritdoc />
    public partial class VisibleUntil : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_stories_active_created_at",
                table: "stories");

            migrationBuilder.DropIndex(
                name: "ix_stories_search_vector_active",
                table: "stories");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "visible_until",
                table: "stories",
                type: "timestamp with time zone",
                nullable: true,
                computedColumnSql: "case when deleted_at is null then expires_at end",
                stored: true);

            migrationBuilder.CreateIndex(
                name: "ix_stories_active_created_at",
                table: "stories",
                columns: new[] { "created_at", "id" },
                descending: new bool[0],
                filter: "visible_until is not null");

            migrationBuilder.CreateIndex(
                name: "ix_stories_search_vector_active",
                table: "stories",
                column: "search_vector",
                filter: "visible_until is not null")
                .Annotation("Npgsql:IndexMethod", "gin");

            // The new column's statistics are what the feed's plan is chosen by (ADR 0021): gather them now
            // rather than at the next autoanalyze.
            migrationBuilder.Sql("analyze stories;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_stories_active_created_at",
                table: "stories");

            migrationBuilder.DropIndex(
                name: "ix_stories_search_vector_active",
                table: "stories");

            migrationBuilder.DropColumn(
                name: "visible_until",
                table: "stories");

            migrationBuilder.CreateIndex(
                name: "ix_stories_active_created_at",
                table: "stories",
                columns: new[] { "created_at", "id" },
                descending: new bool[0],
                filter: "deleted_at is null");

            migrationBuilder.CreateIndex(
                name: "ix_stories_search_vector_active",
                table: "stories",
                column: "search_vector",
                filter: "deleted_at is null")
                .Annotation("Npgsql:IndexMethod", "gin");
        }
    }
}
