using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Stories.Data;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Data;

/// <summary>
/// The EF baseline migration against the schema the five hand-written migrations left, kept as
/// <c>hand-written-schema.sql</c> (a <c>pg_dump</c> of a database they migrated).
/// </summary>
public sealed class SchemaBaselineTests(StoriesApiFactory factory) : IClassFixture<StoriesApiFactory>
{
    /// <summary>The first EF migration: the schema the hand-written ones left. Later migrations build on it.</summary>
    private const string BaselineMigration = "20261203185429_Baseline";

    private static readonly string s_handWrittenSchema =
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", "hand-written-schema.sql"));

    [Fact]
    public void TheModelHasNoChangeThatAMigrationDoesNotCarry()
    {
        using var db = new StoriesDbContext(factory.Services.GetRequiredService<DbContextOptions<StoriesDbContext>>());

        Assert.False(
            db.Database.HasPendingModelChanges(),
            "The model differs from the migrations' snapshot: add a migration with " +
            "`dotnet ef migrations add <Name> --project Stories.Data` (README, 'Schema changes').");
    }

    [Fact]
    public async Task TheBaselineCreatesExactlyTheSchemaTheHandWrittenMigrationsLeft()
    {
        await using var handWritten = await ScratchDatabase.CreateAsync();
        await handWritten.ExecuteAsync(s_handWrittenSchema);
        await using var baseline = await ScratchDatabase.CreateAsync();

        await baseline.MigrateAsync(BaselineMigration);

        Assert.Equal(await handWritten.CatalogAsync(), await baseline.CatalogAsync());
    }

    [Fact]
    public async Task ADatabaseTheHandWrittenMigrationsMadeIsAdoptedByTheBaselineWithItsSchemaAndRowsUnchanged()
    {
        await using var database = await ScratchDatabase.CreateAsync();
        await database.ExecuteAsync(s_handWrittenSchema);
        await database.ExecuteAsync("""
            insert into users (id, email, password_hash, handle, created_at)
            values ('0193a0a0-0000-7000-8000-000000000001', 'kept@example.com', 'hash', 'kept_user', now());
            """);
        await using var fresh = await ScratchDatabase.CreateAsync();
        await fresh.MigrateAsync();

        await database.MigrateAsync();

        // Adopted, not re-created: the migrations after the baseline applied on top, ending where a new
        // database ends (the baseline itself changes nothing: the test above), the rows kept.
        await using var db = database.NewContext();
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
        Assert.Equal(await fresh.CatalogAsync(), await database.CatalogAsync());
        Assert.Equal("kept_user", await db.Users.Select(user => user.Handle).SingleAsync());

        // Adopted once: a second start finds nothing to do.
        await database.MigrateAsync();
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
    }

    [Fact]
    public async Task ADatabaseStoppedAtAnEarlierHandWrittenMigrationIsRefusedWithTheWayForward()
    {
        await using var database = await ScratchDatabase.CreateAsync();
        await database.ExecuteAsync(s_handWrittenSchema);
        await database.ExecuteAsync("""
            delete from "__EFMigrationsHistory" where "MigrationId" in ('20261125000000_DueStoriesIndex', '20261203000000_Blocks');
            """);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => database.MigrateAsync());

        Assert.Contains("20261124000000_ActiveStoryLookups", error.Message, StringComparison.Ordinal);
        Assert.Contains("3da9230", error.Message, StringComparison.Ordinal);
        await using var db = database.NewContext();
        Assert.DoesNotContain(BaselineMigration, await db.Database.GetAppliedMigrationsAsync());
    }
}
