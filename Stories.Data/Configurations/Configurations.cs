using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Stories.Data.Entities;

namespace Stories.Data.Configurations;

// The model states the whole schema — keys, checks, partial and GIN indexes, the generated tsvector —
// so that `dotnet ef migrations add` writes a change and the snapshot test sees drift. Constraint and
// index names are those the hand-written migrations gave (PostgreSQL's defaults: users_pkey,
// follows_follower_id_fkey, stories_check1, …): databases created before the baseline carry them, and
// a later migration that drops or renames one must find it under the same name in every database.

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> builder)
    {
        builder.ToTable("users", table =>
        {
            // Stored trimmed and lower-cased, so the unique email is case-insensitive.
            table.HasCheckConstraint("users_email_check", "email = lower(email)");
            table.HasCheckConstraint("users_handle_check", "handle ~ '^[a-z0-9_]{3,30}$'");
        });
        builder.HasKey(user => user.Id).HasName("users_pkey");
        builder.HasAlternateKey(user => user.Email).HasName("users_email_key");
        builder.HasAlternateKey(user => user.Handle).HasName("users_handle_key");
    }
}

internal sealed class FollowConfiguration : IEntityTypeConfiguration<Follow>
{
    public void Configure(EntityTypeBuilder<Follow> builder)
    {
        builder.ToTable("follows", table => table.HasCheckConstraint("follows_check", "follower_id <> followee_id"));
        // The key's leading column serves lookups by follower.
        builder.HasKey(follow => new { follow.FollowerId, follow.FolloweeId }).HasName("follows_pkey");
        builder.HasIndex(follow => follow.FolloweeId).HasDatabaseName("ix_follows_followee_id");
        builder.HasOne<User>().WithMany().HasForeignKey(follow => follow.FollowerId).HasConstraintName("follows_follower_id_fkey");
        builder.HasOne<User>().WithMany().HasForeignKey(follow => follow.FolloweeId).HasConstraintName("follows_followee_id_fkey");
    }
}

internal sealed class BlockConfiguration : IEntityTypeConfiguration<Block>
{
    public void Configure(EntityTypeBuilder<Block> builder)
    {
        builder.ToTable("blocks", table => table.HasCheckConstraint("blocks_check", "blocker_id <> blocked_id"));
        // Every read of a story asks whether its author blocked the reader, by this key.
        builder.HasKey(block => new { block.BlockerId, block.BlockedId }).HasName("blocks_pkey");
        builder.HasIndex(block => block.BlockedId).HasDatabaseName("ix_blocks_blocked_id");
        builder.HasOne<User>().WithMany().HasForeignKey(block => block.BlockerId).HasConstraintName("blocks_blocker_id_fkey");
        builder.HasOne<User>().WithMany().HasForeignKey(block => block.BlockedId).HasConstraintName("blocks_blocked_id_fkey");
    }
}

internal sealed class StoryConfiguration : IEntityTypeConfiguration<Story>
{
    public void Configure(EntityTypeBuilder<Story> builder)
    {
        builder.ToTable("stories", table =>
        {
            table.HasCheckConstraint("stories_visibility_check", "visibility in ('public', 'friends', 'private')");
            table.HasCheckConstraint("stories_check", "text is not null or media_key is not null");
            table.HasCheckConstraint("stories_check1", "expires_at > created_at");
        });
        builder.HasKey(story => story.Id).HasName("stories_pkey");
        builder.HasOne(story => story.Author).WithMany().HasForeignKey(story => story.AuthorId).HasConstraintName("stories_author_id_fkey");
        builder.Property(story => story.Visibility).HasConversion(
            visibility => StoryVisibilityNames.ToName(visibility),
            name => StoryVisibilityNames.Parse(name));
        builder.Property(story => story.SearchVector)
            .HasComputedColumnSql("to_tsvector('english', coalesce(text, ''))", stored: true)
            .ValueGeneratedOnAddOrUpdate();
        // A story is visible while visible_until > now: null once deleted (by its author or the expiry
        // sweep), so history never matches and the planner's row estimate for "active" comes from this
        // column's own statistics (ADR 0021).
        builder.Property(story => story.VisibleUntil)
            .HasComputedColumnSql("case when deleted_at is null then expires_at end", stored: true)
            .ValueGeneratedOnAddOrUpdate();
        // Added after the table had rows; every insert writes it.
        builder.Property(story => story.HasAudience).HasDefaultValue(false);

        builder.HasIndex(story => new { story.AuthorId, story.CreatedAt })
            .IsDescending(false, true)
            .HasDatabaseName("ix_stories_author_id_created_at");
        // The feed and search walk active stories newest first; expired-but-unswept rows are filtered
        // by visible_until, deleted ones never enter this index. The filter is the one the visibility
        // rule's "visible_until > now" implies, so the rule alone makes the index usable.
        builder.HasIndex(story => new { story.CreatedAt, story.Id })
            .IsDescending(true, true)
            .HasFilter("visible_until is not null")
            .HasDatabaseName("ix_stories_active_created_at");
        // Full-text search only ever returns stories not yet deleted.
        builder.HasIndex(story => story.SearchVector)
            .HasMethod("gin")
            .HasFilter("visible_until is not null")
            .HasDatabaseName("ix_stories_search_vector_active");
        // The expiry sweep claims due stories: only those not yet deleted, so a batch reads just the
        // rows it claims and a swept story leaves the index (docs/benchmarks.md, "Expiry worker").
        builder.HasIndex(story => story.ExpiresAt)
            .HasFilter("deleted_at is null")
            .HasDatabaseName("ix_stories_due");
        // Retention purges soft-deleted stories by age, and the orphan-upload clean-up asks which
        // storage keys a story still references; partial, so rows without either cost nothing.
        builder.HasIndex(story => story.DeletedAt)
            .HasFilter("deleted_at is not null")
            .HasDatabaseName("ix_stories_deleted_at");
        builder.HasIndex(story => story.MediaKey)
            .HasFilter("media_key is not null")
            .HasDatabaseName("ix_stories_media_key");

        builder.HasMany(story => story.Audience).WithOne().HasForeignKey(audience => audience.StoryId).HasConstraintName("story_audience_story_id_fkey");
        builder.HasMany(story => story.Views).WithOne().HasForeignKey(view => view.StoryId).HasConstraintName("story_views_story_id_fkey");
        builder.HasMany(story => story.Reactions).WithOne().HasForeignKey(reaction => reaction.StoryId).HasConstraintName("reactions_story_id_fkey");
    }
}

internal sealed class StoryAudienceConfiguration : IEntityTypeConfiguration<StoryAudience>
{
    public void Configure(EntityTypeBuilder<StoryAudience> builder)
    {
        builder.ToTable("story_audience");
        builder.HasKey(audience => new { audience.StoryId, audience.UserId }).HasName("story_audience_pkey");
        // "Is the caller on this story's audience" and the user delete cascade look up by user.
        builder.HasIndex(audience => audience.UserId).HasDatabaseName("ix_story_audience_user_id");
        builder.HasOne<User>().WithMany().HasForeignKey(audience => audience.UserId).HasConstraintName("story_audience_user_id_fkey");
    }
}

internal sealed class StoryViewConfiguration : IEntityTypeConfiguration<StoryView>
{
    public void Configure(EntityTypeBuilder<StoryView> builder)
    {
        builder.ToTable("story_views");
        // The key's leading column serves lookups by story.
        builder.HasKey(view => new { view.StoryId, view.ViewerId }).HasName("story_views_pkey");
        builder.HasIndex(view => new { view.StoryId, view.ViewedAt, view.ViewerId })
            .IsDescending(false, true, false)
            .HasDatabaseName("ix_story_views_story_id_viewed_at");
        // viewed_by_me on every feed item, and the user delete cascade, look up by viewer.
        builder.HasIndex(view => view.ViewerId).HasDatabaseName("ix_story_views_viewer_id");
        builder.HasOne<User>().WithMany().HasForeignKey(view => view.ViewerId).HasConstraintName("story_views_viewer_id_fkey");
    }
}

internal sealed class ReactionConfiguration : IEntityTypeConfiguration<Reaction>
{
    public void Configure(EntityTypeBuilder<Reaction> builder)
    {
        builder.ToTable("reactions");
        builder.HasKey(reaction => reaction.Id).HasName("reactions_pkey");
        builder.HasIndex(reaction => reaction.StoryId).HasDatabaseName("ix_reactions_story_id");
        builder.HasIndex(reaction => reaction.UserId).HasDatabaseName("ix_reactions_user_id");
        builder.HasOne<User>().WithMany().HasForeignKey(reaction => reaction.UserId).HasConstraintName("reactions_user_id_fkey");
    }
}

internal sealed class IdempotencyKeyConfiguration : IEntityTypeConfiguration<IdempotencyKey>
{
    public void Configure(EntityTypeBuilder<IdempotencyKey> builder)
    {
        builder.ToTable("idempotency_keys", table =>
            table.HasCheckConstraint("idempotency_keys_key_check", "length(key) between 1 and 255"));
        builder.HasKey(key => new { key.UserId, key.Key }).HasName("idempotency_keys_pkey");
        // The retention clean-up deletes keys by age.
        builder.HasIndex(key => key.CreatedAt).HasDatabaseName("ix_idempotency_keys_created_at");
        builder.HasOne<User>().WithMany().HasForeignKey(key => key.UserId).HasConstraintName("idempotency_keys_user_id_fkey");
    }
}
