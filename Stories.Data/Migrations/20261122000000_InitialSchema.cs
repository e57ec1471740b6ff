using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Stories.Data.Migrations;

/// <summary>
/// The whole schema, written by hand: Microsoft.EntityFrameworkCore.Design is not on the project's
/// package copy, so there is no scaffolder and no model snapshot. The model/schema agreement is
/// proven by a test that round-trips every entity.
/// </summary>
[DbContext(typeof(StoriesDbContext))]
[Migration("20261122000000_InitialSchema")]
public sealed class InitialSchema : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            create table users (
                id uuid primary key,
                -- stored trimmed and lower-cased, so this unique constraint is case-insensitive
                email text not null unique check (email = lower(email)),
                password_hash text not null,
                handle text not null unique check (handle ~ '^[a-z0-9_]{3,30}$'),
                created_at timestamptz not null
            );

            create table follows (
                follower_id uuid not null references users (id) on delete cascade,
                followee_id uuid not null references users (id) on delete cascade,
                created_at timestamptz not null,
                -- the primary key's leading column serves lookups by follower_id
                primary key (follower_id, followee_id),
                check (follower_id <> followee_id)
            );
            create index ix_follows_followee_id on follows (followee_id);

            create table stories (
                id uuid primary key,
                author_id uuid not null references users (id) on delete cascade,
                text text,
                media_key text,
                visibility text not null check (visibility in ('public', 'friends', 'private')),
                created_at timestamptz not null,
                expires_at timestamptz not null,
                deleted_at timestamptz,
                search_vector tsvector generated always as (to_tsvector('english', coalesce(text, ''))) stored,
                check (text is not null or media_key is not null),
                check (expires_at > created_at)
            );
            create index ix_stories_author_id_created_at on stories (author_id, created_at desc);
            create index ix_stories_expires_at on stories (expires_at);
            -- the feed and search walk active stories newest first; expired-but-unswept rows are
            -- filtered by expires_at, deleted ones never enter this index
            create index ix_stories_active_created_at on stories (created_at desc, id desc) where deleted_at is null;
            create index ix_stories_search_vector on stories using gin (search_vector);

            create table story_audience (
                story_id uuid not null references stories (id) on delete cascade,
                user_id uuid not null references users (id) on delete cascade,
                primary key (story_id, user_id)
            );
            -- "is the caller on this story's audience" and the user delete cascade look up by user
            create index ix_story_audience_user_id on story_audience (user_id);

            create table story_views (
                story_id uuid not null references stories (id) on delete cascade,
                viewer_id uuid not null references users (id) on delete cascade,
                viewed_at timestamptz not null,
                -- the primary key's leading column serves lookups by story_id
                primary key (story_id, viewer_id)
            );
            create index ix_story_views_story_id_viewed_at on story_views (story_id, viewed_at desc, viewer_id);
            -- viewed_by_me on every feed item, and the user delete cascade, look up by viewer
            create index ix_story_views_viewer_id on story_views (viewer_id);

            create table reactions (
                id uuid primary key,
                story_id uuid not null references stories (id) on delete cascade,
                user_id uuid not null references users (id) on delete cascade,
                emoji text not null,
                created_at timestamptz not null
            );
            create index ix_reactions_story_id on reactions (story_id);
            create index ix_reactions_user_id on reactions (user_id);

            create table idempotency_keys (
                user_id uuid not null references users (id) on delete cascade,
                key text not null check (length(key) between 1 and 255),
                request_hash text not null,
                status_code integer not null,
                -- text, not jsonb: a replay must return the original bytes, and jsonb re-formats
                response_body text not null,
                location text,
                created_at timestamptz not null,
                primary key (user_id, key)
            );
            create index ix_idempotency_keys_created_at on idempotency_keys (created_at);
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            drop table idempotency_keys;
            drop table reactions;
            drop table story_views;
            drop table story_audience;
            drop table stories;
            drop table follows;
            drop table users;
            """);
    }
}
