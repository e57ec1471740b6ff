using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Stories.Data;
using Stories.Data.Entities;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Auth;

public sealed class LogInTests(StoriesApiFactory factory) : IClassFixture<StoriesApiFactory>
{
    [Fact]
    public async Task LogInWithRightPasswordReturnsAWorkingToken()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClient();

        var response = await client.PostJsonAsync("/login", new { email = $" {user.Email.ToUpperInvariant()}", password = user.Password });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadJsonAsync();
        Assert.Equal(user.Id, body.GetProperty("user_id").GetGuid());
        Assert.Equal(user.Handle, body.GetProperty("handle").GetString());
        using var authenticated = factory.CreateClientWithToken(body.GetProperty("token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, (await authenticated.GetAsync("/me")).StatusCode);
    }

    [Fact]
    public async Task WrongPasswordAndUnknownEmailGetTheSame401Body()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClient();

        var wrongPassword = await client.PostJsonAsync("/login", new { email = user.Email, password = "not the password" });
        var unknownEmail = await client.PostJsonAsync("/login", new { email = ApiTestExtensions.UniqueEmail(), password = user.Password });

        var first = await wrongPassword.AssertProblemAsync(HttpStatusCode.Unauthorized);
        var second = await unknownEmail.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(Without(first, "trace_id"), Without(second, "trace_id"));
    }

    [Fact]
    public async Task MissingCredentialsAreFieldErrors()
    {
        using var client = factory.CreateClient();

        var response = await client.PostJsonAsync("/login", new { });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["email", "password"], problem.Errors().Keys.Order());
    }

    /// <summary>
    /// Hashes written by the BouncyCastle code this API used before BCrypt.Net-Next (<c>OpenBsdBCrypt.Generate</c>,
    /// cost 10): a non-ASCII password, and one of exactly 72 UTF-8 bytes whose last byte is in a two-byte character.
    /// </summary>
    [Theory]
    [InlineData("correct horse ☃ battery", "$2y$10$BQS5EFfpSExkD06Ms9m3IOPRQOorZsOleb6nGQPPpLQzdJtmW7Lp6", "correct horse ☃ batterY")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaé", "$2y$10$FmM2KueGhsozTCy58XxKkun4pHvabagtL1KEzIEW8PVLlrc3etsY2",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaè")]
    public async Task AHashWrittenByThePreviousBcryptLibraryStillLogsIn(string password, string oldHash, string nearMiss)
    {
        var user = await InsertUserAsync(oldHash);
        using var client = factory.CreateClient();

        var rightPassword = await client.PostJsonAsync("/login", new { email = user.Email, password });
        var wrongPassword = await client.PostJsonAsync("/login", new { email = user.Email, password = nearMiss });

        Assert.Equal(HttpStatusCode.OK, rightPassword.StatusCode);
        Assert.Equal(user.Id, (await rightPassword.ReadJsonAsync()).GetProperty("user_id").GetGuid());
        await wrongPassword.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    private async Task<User> InsertUserAsync(string passwordHash)
    {
        var id = Guid.NewGuid();
        var user = new User
        {
            Id = id,
            Email = ApiTestExtensions.UniqueEmail().ToLowerInvariant(),
            PasswordHash = passwordHash,
            Handle = $"old_{id:N}"[..30],
            CreatedAt = DateTimeOffset.UtcNow,
        };
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoriesDbContext>();
        db.Users.Add(user);
        await db.SaveChangesAsync();
        return user;
    }

    private static string Without(System.Text.Json.JsonElement problem, string property) =>
        string.Join(",", problem.EnumerateObject().Where(p => p.Name != property).Select(p => $"{p.Name}={p.Value}"));
}
