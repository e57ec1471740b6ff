using System.Net;
using System.Text;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api;

public sealed class ProblemResponseTests(StoriesApiFactory factory) : IClassFixture<StoriesApiFactory>
{
    [Fact]
    public async Task MalformedJsonIs400WithAFieldError()
    {
        using var client = factory.CreateClient();

        var response = await client.PostRawJsonAsync("/signup", """{"email": "a@example.com", "password": """);

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotEmpty(problem.Errors());
    }

    [Fact]
    public async Task WrongJsonTypeIs400NamingTheField()
    {
        using var client = factory.CreateClient();

        var response = await client.PostRawJsonAsync("/signup", """{"email": 42, "password": "long enough password"}""");

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["email"], problem.Errors().Keys);
    }

    [Fact]
    public async Task MissingBodyIs400()
    {
        using var client = factory.CreateClient();

        var response = await client.PostAsync("/signup", new StringContent("", Encoding.UTF8, "application/json"));

        await response.AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task NonJsonBodyIs415ForASignedInCaller()
    {
        // Routing answers a wrong media type with its own endpoint, which the fallback policy
        // guards: anonymous callers get 401 there, signed-in ones the 415.
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);

        var response = await client.PostAsync("/signup", new StringContent("email=a@example.com", Encoding.UTF8, "application/x-www-form-urlencoded"));

        await response.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task BodyOverTheConfiguredLimitIs413()
    {
        using var client = factory.CreateClient();
        var huge = new string('x', 100_000);

        var response = await client.PostJsonAsync("/signup", new { email = ApiTestExtensions.UniqueEmail(), password = huge });

        await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task UnknownRouteForASignedInUserIs404Problem()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);

        var response = await client.GetAsync("/no-such-route");

        await response.AssertProblemAsync(HttpStatusCode.NotFound);
    }
}
