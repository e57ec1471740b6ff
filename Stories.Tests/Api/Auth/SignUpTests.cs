using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Stories.Data;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Auth;

public sealed class SignUpTests(StoriesApiFactory factory) : IClassFixture<StoriesApiFactory>
{
    [Fact]
    public async Task SignUpReturnsTokenUserIdEmailAndHandle()
    {
        using var client = factory.CreateClient();
        var email = ApiTestExtensions.UniqueEmail("Jane.Doe");

        var response = await client.PostJsonAsync("/signup", new { email = $"  {email.ToUpperInvariant()} ", password = "long enough password", handle = (string?)null });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.ReadJsonAsync();
        Assert.Equal(email.ToLowerInvariant(), body.GetProperty("email").GetString());
        Assert.Matches("^jane_doe", body.GetProperty("handle").GetString());
        Assert.NotEqual(Guid.Empty, body.GetProperty("user_id").GetGuid());
        using var authenticated = factory.CreateClientWithToken(body.GetProperty("token").GetString()!);
        var me = await (await authenticated.GetAsync("/me")).ReadJsonAsync();
        Assert.Equal(body.GetProperty("user_id").GetGuid(), me.GetProperty("user_id").GetGuid());
    }

    [Fact]
    public async Task ChosenHandleIsKept()
    {
        using var client = factory.CreateClient();
        var handle = $"h_{Guid.NewGuid():N}"[..20];

        var response = await client.PostJsonAsync("/signup", new { email = ApiTestExtensions.UniqueEmail(), password = "long enough password", handle });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(handle, (await response.ReadJsonAsync()).GetProperty("handle").GetString());
    }

    [Fact]
    public async Task DerivedHandleIsMadeUniqueWhenTheLocalPartIsTaken()
    {
        using var client = factory.CreateClient();
        var local = $"same{Guid.NewGuid():N}"[..20];

        var first = await (await client.PostJsonAsync("/signup", new { email = $"{local}@one.example", password = "long enough password" })).ReadJsonAsync();
        var second = await (await client.PostJsonAsync("/signup", new { email = $"{local}@two.example", password = "long enough password" })).ReadJsonAsync();

        Assert.Equal(local, first.GetProperty("handle").GetString());
        Assert.StartsWith(local, second.GetProperty("handle").GetString(), StringComparison.Ordinal);
        Assert.NotEqual(first.GetProperty("handle").GetString(), second.GetProperty("handle").GetString());
    }

    [Fact]
    public async Task DuplicateEmailInAnyCaseIsConflict()
    {
        var existing = await factory.SignUpAsync();
        using var client = factory.CreateClient();

        var response = await client.PostJsonAsync("/signup", new { email = existing.Email.ToUpperInvariant(), password = "another long password" });

        var problem = await response.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("email", problem.GetProperty("title").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task TakenChosenHandleIsConflict()
    {
        var existing = await factory.SignUpAsync(handle: $"x{Guid.NewGuid():N}"[..12]);
        using var client = factory.CreateClient();

        var response = await client.PostJsonAsync("/signup", new { email = ApiTestExtensions.UniqueEmail(), password = "long enough password", handle = existing.Handle });

        var problem = await response.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("handle", problem.GetProperty("title").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("short", "at least 8")]
    [InlineData("", "required")]
    [InlineData("ééééééééééééééééééééééééééééééééééééé", "at most 72")] // 37 characters, 74 bytes
    public async Task BadPasswordIsRejectedWithFieldError(string password, string expected)
    {
        using var client = factory.CreateClient();

        var response = await client.PostJsonAsync("/signup", new { email = ApiTestExtensions.UniqueEmail(), password });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(expected, Assert.Single(problem.Errors()["password"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PasswordOfExactly72BytesIsAcceptedAndEveryByteCounts()
    {
        using var client = factory.CreateClient();
        var email = ApiTestExtensions.UniqueEmail();
        var password = new string('a', 71) + "b";

        var signUp = await client.PostJsonAsync("/signup", new { email, password });
        var wrongLastByte = await client.PostJsonAsync("/login", new { email, password = new string('a', 71) + "c" });

        Assert.Equal(HttpStatusCode.Created, signUp.StatusCode);
        await wrongLastByte.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("not-an-email")]
    [InlineData("a@b")]
    [InlineData("two@@example.com")]
    [InlineData("   ")]
    public async Task BadEmailIsRejectedWithFieldError(string email)
    {
        using var client = factory.CreateClient();

        var response = await client.PostJsonAsync("/signup", new { email, password = "long enough password" });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.Errors().ContainsKey("email"));
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("Upper")]
    [InlineData("with space")]
    [InlineData("this_handle_is_much_too_long_for_us")]
    public async Task BadHandleIsRejectedWithFieldError(string handle)
    {
        using var client = factory.CreateClient();

        var response = await client.PostJsonAsync("/signup", new { email = ApiTestExtensions.UniqueEmail(), password = "long enough password", handle });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.Errors().ContainsKey("handle"));
    }

    [Fact]
    public async Task PasswordIsStoredAsBcryptWithTheConfiguredCost()
    {
        var user = await factory.SignUpAsync();

        await using var scope = factory.Services.CreateAsyncScope();
        var hash = await scope.ServiceProvider.GetRequiredService<StoriesDbContext>().Users
            .Where(u => u.Id == user.Id).Select(u => u.PasswordHash).SingleAsync();

        Assert.Matches(@"^\$2[aby]\$04\$.{53}$", hash);
        Assert.DoesNotContain(user.Password, hash, StringComparison.Ordinal);
    }
}
