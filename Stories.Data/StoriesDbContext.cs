using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Stories.Data.Entities;

namespace Stories.Data;

public sealed class StoriesDbContext(DbContextOptions<StoriesDbContext> options) : DbContext(options)
{
    public DbSet<User> Users => Set<User>();

    public DbSet<Follow> Follows => Set<Follow>();

    public DbSet<Block> Blocks => Set<Block>();

    public DbSet<Story> Stories => Set<Story>();

    public DbSet<StoryAudience> StoryAudience => Set<StoryAudience>();

    public DbSet<StoryView> StoryViews => Set<StoryView>();

    public DbSet<Reaction> Reactions => Set<Reaction>();

    public DbSet<IdempotencyKey> IdempotencyKeys => Set<IdempotencyKey>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(StoriesDbContext).Assembly);

        // The schema is snake_case (see Migrations); derive every column name instead of spelling each.
        foreach (var property in modelBuilder.Model.GetEntityTypes().SelectMany(entity => entity.GetProperties()))
        {
            property.SetColumnName(JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name));
        }
    }
}
