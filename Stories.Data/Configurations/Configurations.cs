using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Stories.Data.Entities;

namespace Stories.Data.Configurations;

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> builder)
    {
        builder.ToTable("users");
        builder.HasKey(user => user.Id);
        builder.HasIndex(user => user.Email).IsUnique();
        builder.HasIndex(user => user.Handle).IsUnique();
    }
}

internal sealed class FollowConfiguration : IEntityTypeConfiguration<Follow>
{
    public void Configure(EntityTypeBuilder<Follow> builder)
    {
        builder.ToTable("follows");
        builder.HasKey(follow => new { follow.FollowerId, follow.FolloweeId });
        builder.HasOne<User>().WithMany().HasForeignKey(follow => follow.FollowerId);
        builder.HasOne<User>().WithMany().HasForeignKey(follow => follow.FolloweeId);
    }
}

internal sealed class BlockConfiguration : IEntityTypeConfiguration<Block>
{
    public void Configure(EntityTypeBuilder<Block> builder)
    {
        builder.ToTable("blocks");
        builder.HasKey(block => new { block.BlockerId, block.BlockedId });
        builder.HasOne<User>().WithMany().HasForeignKey(block => block.BlockerId);
        builder.HasOne<User>().WithMany().HasForeignKey(block => block.BlockedId);
    }
}

internal sealed class StoryConfiguration : IEntityTypeConfiguration<Story>
{
    public void Configure(EntityTypeBuilder<Story> builder)
    {
        builder.ToTable("stories");
        builder.HasKey(story => story.Id);
        builder.HasOne(story => story.Author).WithMany().HasForeignKey(story => story.AuthorId);
        builder.Property(story => story.Visibility).HasConversion(
            visibility => StoryVisibilityNames.ToName(visibility),
            name => StoryVisibilityNames.Parse(name));
        builder.Property(story => story.SearchVector)
            .HasComputedColumnSql("to_tsvector('english', coalesce(text, ''))", stored: true)
            .ValueGeneratedOnAddOrUpdate();
        builder.HasMany(story => story.Audience).WithOne().HasForeignKey(audience => audience.StoryId);
        builder.HasMany(story => story.Views).WithOne().HasForeignKey(view => view.StoryId);
        builder.HasMany(story => story.Reactions).WithOne().HasForeignKey(reaction => reaction.StoryId);
    }
}

internal sealed class StoryAudienceConfiguration : IEntityTypeConfiguration<StoryAudience>
{
    public void Configure(EntityTypeBuilder<StoryAudience> builder)
    {
        builder.ToTable("story_audience");
        builder.HasKey(audience => new { audience.StoryId, audience.UserId });
        builder.HasOne<User>().WithMany().HasForeignKey(audience => audience.UserId);
    }
}

internal sealed class StoryViewConfiguration : IEntityTypeConfiguration<StoryView>
{
    public void Configure(EntityTypeBuilder<StoryView> builder)
    {
        builder.ToTable("story_views");
        builder.HasKey(view => new { view.StoryId, view.ViewerId });
        builder.HasOne<User>().WithMany().HasForeignKey(view => view.ViewerId);
    }
}

internal sealed class ReactionConfiguration : IEntityTypeConfiguration<Reaction>
{
    public void Configure(EntityTypeBuilder<Reaction> builder)
    {
        builder.ToTable("reactions");
        builder.HasKey(reaction => reaction.Id);
        builder.HasOne<User>().WithMany().HasForeignKey(reaction => reaction.UserId);
    }
}

internal sealed class IdempotencyKeyConfiguration : IEntityTypeConfiguration<IdempotencyKey>
{
    public void Configure(EntityTypeBuilder<IdempotencyKey> builder)
    {
        builder.ToTable("idempotency_keys");
        builder.HasKey(key => new { key.UserId, key.Key });
        builder.HasOne<User>().WithMany().HasForeignKey(key => key.UserId);
    }
}
