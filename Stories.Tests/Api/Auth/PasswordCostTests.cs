using System.Net;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Auth;

/// <summary>
/// Login must not tell an unknown email from a known one by its timing: both pay one bcrypt check at
/// the configured cost, and hashes of an older cost are raised to it at the next successful login.
/// </summary>
public sealed class PasswordCostTests(PasswordCostTests.CostFive factory) : IClassFixture<PasswordCostTests.CostFive>
{
    private const string Password = "correct horse battery";

    [Fact]
    public async Task AHashOfAnOlderCostIsRehashedAtTheConfiguredCostOnTheNextSuccessfulLogin()
    {
        var email = ApiTestExtensions.UniqueEmail("old-cost");
        var userId = await InsertUserAsync(email, BCrypt.Net.BCrypt.HashPassword(Password, 4));
        using var client = factory.CreateClient();

        var first = await client.PostJsonAsync("/login", new { email, password = Password });
        var stored = await StoredHashAsync(userId);
        var second = await client.PostJsonAsync("/login", new { email, password = Password });

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Matches(@"^\$2[aby]\$05\$.{53}$", stored);
        Assert.True(BCrypt.Net.BCrypt.Verify(Password, stored));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
    }

    [Fact]
    public async Task AFailedLoginLeavesAnOlderHashAsItIs()
    {
        var email = ApiTestExtensions.UniqueEmail("old-cost");
        var oldHash = BCrypt.Net.BCrypt.HashPassword(Password, 4);
        var userId = await InsertUserAsync(email, oldHash);
        using var client = factory.CreateClient();

        var response = await client.PostJsonAsync("/login", new { email, password = "not the password" });

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(oldHash, await StoredHashAsync(userId));
    }

    [Fact]
    public async Task AnUnknownEmailIsCheckedAgainstAHashOfTheConfiguredCost()
    {
        using var verifications = new MetricRecorder(factory, "password_verifications");
        using var client = factory.CreateClient();

        var response = await client.PostJsonAsync("/login", new { email = ApiTestExtensions.UniqueEmail("unknown"), password = Password });

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(1, verifications.Sum("password_verifications"));
        Assert.Equal(1, verifications.Sum("password_verifications", "cost", 5));
    }

    private async Task<Guid> InsertUserAsync(string email, string hash)
    {
        var id = Guid.CreateVersion7();
        await factory.ScalarAsync<int>(
            "with inserted as (insert into users (id, email, password_hash, handle, created_at) values (@id, @email, @hash, @handle, now()) returning 1) select count(*)::int from inserted",
            ("id", id), ("email", email), ("hash", hash), ("handle", $"u{id:N}"[..30]));
        return id;
    }

    private Task<string> StoredHashAsync(Guid userId) =>
        factory.ScalarAsync<string>("select password_hash from users where id = @id", ("id", userId));

    public sealed class CostFive : StoriesApiFactory
    {
        public CostFive() => WithSetting("Passwords:BcryptCost", "5");
    }
}
