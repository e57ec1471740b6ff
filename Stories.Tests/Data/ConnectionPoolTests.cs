using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Stories.Data;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Data;

public sealed class ConnectionPoolTests(StoriesApiFactory factory) : IClassFixture<StoriesApiFactory>
{
    private const string AspireStyle = "Host=db;Port=5432;Username=postgres;Password=secret;Database=storiesdb";

    [Fact]
    public void TheApiTalksToPostgreSqlThroughAPoolCappedAtTheDefault()
    {
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<StoriesDbContext>();

        var used = new NpgsqlConnectionStringBuilder(db.Database.GetConnectionString());

        Assert.Equal(DataExtensions.DefaultMaxPoolSize, used.MaxPoolSize);
        Assert.Equal(factory.DatabaseName, used.Database);
    }

    [Fact]
    public void AnAspireConnectionStringGetsTheConfiguredCapAndKeepsEverythingElse()
    {
        var used = new NpgsqlConnectionStringBuilder(DataExtensions.GetConnectionString(Configuration(AspireStyle, maxPoolSize: "7")));

        Assert.Equal(7, used.MaxPoolSize);
        Assert.Equal(("db", 5432, "postgres", "secret", "storiesdb"), (used.Host, used.Port, used.Username, used.Password, used.Database));
    }

    [Theory]
    [InlineData("Maximum Pool Size=5")]
    [InlineData("maximum pool size=5")]
    [InlineData("MaxPoolSize=5")]
    public void AMaximumSetInTheConnectionStringWins(string setting)
    {
        var used = new NpgsqlConnectionStringBuilder(DataExtensions.GetConnectionString(Configuration($"{AspireStyle};{setting}", maxPoolSize: "7")));

        Assert.Equal(5, used.MaxPoolSize);
    }

    [Fact]
    public void AnOutOfRangeCapStopsStartupWithTheSettingNamed()
    {
        var error = Assert.Throws<InvalidOperationException>(() => DataExtensions.GetConnectionString(Configuration(AspireStyle, maxPoolSize: "0")));

        Assert.Contains("Database:MaxPoolSize", error.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(string connectionString, string maxPoolSize) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:storiesdb"] = connectionString,
            ["Database:MaxPoolSize"] = maxPoolSize,
        }).Build();
}
