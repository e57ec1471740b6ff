using System.Net;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Platform;

/// <summary>
/// With <c>Management:Port</c> set (the AppHost and docker-compose set it), <c>/metrics</c>, <c>/health</c>
/// and <c>/healthz</c> answer on that port only, and that port answers nothing else but <c>/alive</c>.
/// </summary>
public sealed class ManagementPortTests(ManagementPortApiFactory factory) : IClassFixture<ManagementPortApiFactory>
{
    public static TheoryData<string> ManagementOnlyPaths => ["/metrics", "/health", "/healthz"];

    [Theory]
    [MemberData(nameof(ManagementOnlyPaths))]
    public async Task OnThePublicPortAnOperationalPathAnswersLikeARouteThatDoesNotExist(string path)
    {
        var user = await factory.SignUpAsync();
        using var anonymous = factory.CreateClient();
        using var signedIn = factory.CreateClientFor(user);

        var anonymousAnswer = await anonymous.GetAsync(path);
        var signedInAnswer = await signedIn.GetAsync(path);

        await anonymousAnswer.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/no-such-route-{Guid.NewGuid():N}")).StatusCode);
        await signedInAnswer.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [MemberData(nameof(ManagementOnlyPaths))]
    public async Task AHostHeaderNamingTheManagementPortDoesNotOpenThemOnThePublicPort(string path)
    {
        var user = await factory.SignUpAsync();
        using var signedIn = factory.CreateClientFor(user);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = $"localhost:{factory.ManagementPort}";

        var response = await signedIn.SendAsync(request);

        await response.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task TheManagementPortServesMetricsAndEveryDependencysHealthWithoutAToken()
    {
        using var management = factory.CreateManagementClient();

        var metrics = await management.GetAsync("/metrics");
        var health = await management.GetAsync("/health");
        var healthz = await management.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Equal("counter", PrometheusText.Parse(await metrics.Content.ReadAsStringAsync()).Families["stories_created_total"].Type);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Healthy", await health.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        var body = await healthz.ReadJsonAsync();
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.Equal("healthy", body.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
    }

    [Fact]
    public async Task TheManagementPortServesNoRouteOfTheApi()
    {
        var user = await factory.SignUpAsync();
        using var management = factory.CreateManagementClient();
        management.DefaultRequestHeaders.Authorization = new("Bearer", user.Token);

        var me = await management.GetAsync("/me");
        var openApi = await management.GetAsync("/openapi/v1.json");
        var signUp = await management.PostJsonAsync("/signup", new { email = ApiTestExtensions.UniqueEmail(), password = "correct horse battery" });

        await me.AssertProblemAsync(HttpStatusCode.NotFound);
        await openApi.AssertProblemAsync(HttpStatusCode.NotFound);
        await signUp.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AliveAnswersOnBothPorts()
    {
        using var publicPort = factory.CreateClient();
        using var management = factory.CreateManagementClient();

        var onPublicPort = await publicPort.GetAsync("/alive");
        var onManagementPort = await management.GetAsync("/alive");

        Assert.Equal(HttpStatusCode.OK, onPublicPort.StatusCode);
        Assert.Equal("Healthy", await onPublicPort.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, onManagementPort.StatusCode);
    }
}
