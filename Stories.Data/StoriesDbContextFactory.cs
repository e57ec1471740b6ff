using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Stories.Data;

/// <summary>
/// How <c>dotnet ef</c> builds the context at design time (<c>dotnet ef migrations add Name --project
/// Stories.Data</c>), without starting a service. Adding a migration needs no database; commands that
/// do (<c>database update</c>, <c>migrations script --idempotent</c> against a server) read
/// <c>ConnectionStrings__storiesdb</c> from the environment, as the services do.
/// </summary>
internal sealed class StoriesDbContextFactory : IDesignTimeDbContextFactory<StoriesDbContext>
{
    public StoriesDbContext CreateDbContext(string[] args)
    {
        var connectionString = Environment.GetEnvironmentVariable("ConnectionStrings__storiesdb");
        var options = new DbContextOptionsBuilder<StoriesDbContext>();
        _ = string.IsNullOrWhiteSpace(connectionString) ? options.UseNpgsql() : options.UseNpgsql(connectionString);
        return new StoriesDbContext(options.Options);
    }
}
