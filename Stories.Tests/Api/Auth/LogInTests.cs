using System.Net;
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

    private static string Without(System.Text.Json.JsonElement problem, string property) =>
        string.Join(",", problem.EnumerateObject().Where(p => p.Name != property).Select(p => $"{p.Name}={p.Value}"));
}
