using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
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

        Assert.Equal(DatabaseOptions.DefaultMaxPoolSize, used.MaxPoolSize);
        Assert.Equal(factory.DatabaseName, used.Database);
    }

    [Fact]
    public void AnAspireConnectionStringGetsTheConfiguredCapAndKeepsEverythingElse()
    {
        var used = new NpgsqlConnectionStringBuilder(ConnectionStringUsed(AspireStyle, maxPoolSize: "7"));

        Assert.Equal(7, used.MaxPoolSize);
        Assert.Equal(("db", 5432, "postgres", "secret", "storiesdb"), (used.Host, used.Port, used.Username, used.Password, used.Database));
    }

    [Theory]
    [InlineData("Maximum Pool Size=5")]
    [InlineData("maximum pool size=5")]
    [InlineData("MaxPoolSize=5")]
    public void AMaximumSetInTheConnectionStringWins(string setting)
    {
        var used = new NpgsqlConnectionStringBuilder(ConnectionStringUsed($"{AspireStyle};{setting}", maxPoolSize: "7"));

        Assert.Equal(5, used.MaxPoolSize);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1025")]
    public void AnOutOfRangeCapStopsTheWorkersContextWithTheSettingNamed(string maxPoolSize)
    {
        var error = Assert.Throws<OptionsValidationException>(() => ConnectionStringUsed(AspireStyle, maxPoolSize));

        Assert.Contains("Database:MaxPoolSize must be between 1 and 1024", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnOutOfRangeCapStopsApiStartupWithTheSettingNamed()
    {
        var api = new StoriesApiFactory().WithSetting("Database:MaxPoolSize", "0");

        var error = await Record.ExceptionAsync(api.InitializeAsync);

        var validation = Assert.IsType<OptionsValidationException>(error);
        Assert.Contains("Database:MaxPoolSize must be between 1 and 1024", validation.Message, StringComparison.Ordinal);
        await api.DisposeAfterFailedStartupAsync();
    }

    /// <summary>
    /// The connection string a context gets when registered as the worker registers it (a pooled
    /// factory), over the given settings. No connection is opened.
    /// </summary>
    private static string ConnectionStringUsed(string connectionString, string maxPoolSize)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:storiesdb"] = connectionString,
            ["Database:MaxPoolSize"] = maxPoolSize,
        });
        builder.AddStoriesDbContextFactory();
        using var host = builder.Build();

        using var db = host.Services.GetRequiredService<IDbContextFactory<StoriesDbContext>>().CreateDbContext();
        return db.Database.GetConnectionString()!;
    }
}
