using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Stories.Data;
using Stories.Data.Entities;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Data;

public sealed class SchemaTests(StoriesApiFactory factory) : IClassFixture<StoriesApiFactory>
{
    [Fact]
    public async Task EveryEntityRoundTripsThroughTheMigratedSchema()
    {
        var now = DateTimeOffset.UtcNow;
        var now6 = new DateTimeOffset(now.Ticks - (now.Ticks % 10), TimeSpan.Zero); // PostgreSQL keeps microseconds
        var author = NewUser(now6);
        var reader = NewUser(now6);
        var story = new Story
        {
            Id = Guid.CreateVersion7(),
            AuthorId = author.Id,
            Text = "Sunrise over the harbour",
            MediaKey = $"uploads/{author.Id}/a.jpg",
            Visibility = StoryVisibility.Friends,
            HasAudience = true,
            CreatedAt = now6,
            ExpiresAt = now6.AddHours(24),
        };
        var follow = new Follow { FollowerId = reader.Id, FolloweeId = author.Id, CreatedAt = now6 };
        var audience = new StoryAudience { StoryId = story.Id, UserId = reader.Id };
        var view = new StoryView { StoryId = story.Id, ViewerId = reader.Id, ViewedAt = now6 };
        var reaction = new Reaction { Id = Guid.CreateVersion7(), StoryId = story.Id, UserId = reader.Id, Emoji = "🔥", CreatedAt = now6 };
        var key = new IdempotencyKey
        {
            UserId = author.Id,
            Key = "key-1",
            RequestHash = "abc",
            StatusCode = 201,
            ResponseBody = """{"id": "x"}""",
            Location = "/stories/x",
            CreatedAt = now6,
        };

        await using (var write = NewContext())
        {
            write.AddRange(author, reader, story, follow, audience, view, reaction, key);
            await write.SaveChangesAsync();
        }

        await using var read = NewContext();
        Assert.Equivalent(author, await read.Users.SingleAsync(u => u.Id == author.Id));
        Assert.Equivalent(follow, await read.Follows.SingleAsync(f => f.FollowerId == reader.Id));
        var storedStory = await read.Stories.AsNoTracking().SingleAsync(s => s.Id == story.Id);
        Assert.Equal((story.AuthorId, story.Text, story.MediaKey, story.Visibility, story.HasAudience, story.CreatedAt, story.ExpiresAt, story.DeletedAt),
            (storedStory.AuthorId, storedStory.Text, storedStory.MediaKey, storedStory.Visibility, storedStory.HasAudience, storedStory.CreatedAt, storedStory.ExpiresAt, storedStory.DeletedAt));
        Assert.Contains("sunris", storedStory.SearchVector!.ToString(), StringComparison.Ordinal);
        Assert.Equivalent(audience, await read.StoryAudience.SingleAsync(a => a.StoryId == story.Id));
        Assert.Equivalent(view, await read.StoryViews.SingleAsync(v => v.StoryId == story.Id));
        Assert.Equivalent(reaction, await read.Reactions.SingleAsync(r => r.StoryId == story.Id));
        var storedKey = await read.IdempotencyKeys.SingleAsync(k => k.UserId == author.Id);
        Assert.Equal((key.RequestHash, key.StatusCode, key.Location, key.CreatedAt), (storedKey.RequestHash, storedKey.StatusCode, storedKey.Location, storedKey.CreatedAt));
        Assert.Equal("""{"id": "x"}""", storedKey.ResponseBody);
    }

    [Fact]
    public async Task DatabaseRefusesASelfFollow()
    {
        var user = NewUser(DateTimeOffset.UtcNow);
        await using var db = NewContext();
        db.Users.Add(user);
        await db.SaveChangesAsync();

        db.Follows.Add(new Follow { FollowerId = user.Id, FolloweeId = user.Id, CreatedAt = DateTimeOffset.UtcNow });
        var error = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());

        Assert.Equal(PostgresErrorCodes.CheckViolation, Assert.IsType<PostgresException>(error.InnerException).SqlState);
    }

    [Fact]
    public async Task ConcurrentMigrationsCreateTheMissingDatabaseAndApplyEachMigrationExactlyOnce()
    {
        // Not created first: the replicas race to create it, then to migrate it.
        var name = $"stories_migrate_{Guid.NewGuid():N}";
        try
        {
            var options = new DbContextOptionsBuilder<StoriesDbContext>()
                .UseNpgsql(TestServices.DatabaseNamed(name))
                .Options;

            await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
            {
                await using var db = new StoriesDbContext(options);
                await db.Database.MigrateExclusivelyAsync();
            }));

            await using var check = new StoriesDbContext(options);
            var applied = await check.Database.GetAppliedMigrationsAsync();
            Assert.Equal(check.Database.GetMigrations(), applied);
            Assert.Equal(applied.Count(), await check.Database.SqlQuery<int>($"select count(*)::int as \"Value\" from \"__EFMigrationsHistory\"").SingleAsync());
            Assert.Equal(0, await check.Stories.CountAsync());
        }
        finally
        {
            await TestServices.DropDatabaseAsync(name);
        }
    }

    private StoriesDbContext NewContext() =>
        new(factory.Services.GetRequiredService<DbContextOptions<StoriesDbContext>>());

    private static User NewUser(DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(),
        Email = ApiTestExtensions.UniqueEmail(),
        PasswordHash = "$2y$04$notarealhashnotarealhashnotarealhashnotarealhashnot",
        Handle = $"u{Guid.NewGuid():N}"[..20],
        CreatedAt = now,
    };
}
