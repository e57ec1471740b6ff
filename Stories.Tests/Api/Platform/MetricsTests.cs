using System.Net;
using System.Text.RegularExpressions;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Platform;

public sealed partial class MetricsTests(StoriesApiFactory factory) : IClassFixture<StoriesApiFactory>
{
    [Fact]
    public async Task MetricsIsAnonymousValidPrometheusTextWithTheInBoxMeters()
    {
        using var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/alive")).StatusCode);

        var response = await client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(response.Content.Headers.ContentType!.Parameters, p => p.Name == "version" && p.Value == "0.0.4");
        var exposition = PrometheusText.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("counter", exposition.Families["dotnet_process_cpu_time_seconds_total"].Type);
        Assert.Equal("gauge", exposition.Families["kestrel_active_connections"].Type);
        // ASP.NET Core records a request after its response has gone, so /alive shows up a moment later.
        await PlatformTestExtensions.EventuallyAsync(
            async () => (await factory.ScrapeAsync()).Value("http_server_request_duration_seconds_count", ("http_route", "/alive")) >= 1,
            "the in-box request duration histogram holds the /alive request");
    }

    [Fact]
    public async Task RequestsAndDomainEventsAreCountedAfterAKnownSequence()
    {
        var author = await factory.SignUpAsync();
        var reader = await factory.SignUpAsync();
        using var authorClient = factory.CreateClientFor(author);
        using var readerClient = factory.CreateClientFor(reader);
        var before = await factory.ScrapeAsync();

        var first = await authorClient.CreateStoryIdAsync("counted one");
        using (var keyed = new HttpRequestMessage(HttpMethod.Post, "/stories") { Content = JsonContent(new { text = "counted two", visibility = "public" }) })
        {
            keyed.Headers.Add("Idempotency-Key", "metrics-key");
            Assert.Equal(HttpStatusCode.Created, (await authorClient.SendAsync(keyed)).StatusCode);
        }

        using (var replay = new HttpRequestMessage(HttpMethod.Post, "/stories") { Content = JsonContent(new { text = "counted two", visibility = "public" }) })
        {
            replay.Headers.Add("Idempotency-Key", "metrics-key");
            Assert.Equal(HttpStatusCode.Created, (await authorClient.SendAsync(replay)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await readerClient.GetAsync($"/stories/{first}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await readerClient.GetAsync($"/stories/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await readerClient.PostAsync($"/stories/{first}/view", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await readerClient.PostAsync($"/stories/{first}/view", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await readerClient.PostJsonAsync($"/stories/{first}/reactions", new { emoji = "🔥" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await readerClient.GetAsync($"/no/such/{Guid.NewGuid()}")).StatusCode);
        var after = await factory.ScrapeAsync();

        double Delta(string name, params (string, string)[] labels) => after.Value(name, labels) - before.Value(name, labels);
        Assert.Equal(3, Delta("http_requests_total", ("route", "/stories"), ("method", "POST"), ("code", "201")));
        Assert.Equal(1, Delta("http_requests_total", ("route", "/stories/{id}"), ("method", "GET"), ("code", "200")));
        Assert.Equal(1, Delta("http_requests_total", ("route", "/stories/{id}"), ("method", "GET"), ("code", "404")));
        Assert.Equal(2, Delta("http_requests_total", ("route", "/stories/{id}/view"), ("method", "POST"), ("code", "204")));
        Assert.Equal(1, Delta("http_requests_total", ("route", "/stories/{id}/reactions"), ("method", "POST"), ("code", "201")));
        Assert.Equal(1, Delta("http_requests_total", ("route", "unmatched"), ("method", "GET"), ("code", "404")));
        Assert.Equal(1, Delta("http_requests_total", ("route", "/metrics"), ("method", "GET"), ("code", "200")));
        Assert.Equal(3, Delta("http_request_duration_seconds_count", ("route", "/stories"), ("method", "POST"), ("code", "201")));
        Assert.Equal(3, Delta("http_request_duration_seconds_bucket", ("route", "/stories"), ("method", "POST"), ("code", "201"), ("le", "+Inf")));
        Assert.Equal(2, Delta("stories_created_total"));
        Assert.Equal(1, Delta("story_views_total"));
        Assert.Equal(1, Delta("reactions_total"));
        Assert.Equal(3, Delta("rate_limit_decisions_total", ("policy", "stories"), ("result", "allowed")));
        Assert.Equal(1, Delta("rate_limit_decisions_total", ("policy", "reactions"), ("result", "allowed")));
        Assert.Equal(0, Delta("rate_limit_fallbacks_total"));
    }

    [Fact]
    public async Task RouteLabelsAreTemplatesNeverRawIds()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        var id = await client.CreateStoryIdAsync("labelled");
        await client.GetAsync($"/stories/{id}");
        await client.GetAsync($"/stories/{id}/viewers");
        await client.PostAsync($"/follow/{Guid.NewGuid()}", null);
        await client.GetAsync($"/whatever/{Guid.NewGuid()}");

        var exposition = await factory.ScrapeAsync();

        var routes = exposition.Samples("http_requests_total").Select(sample => sample.Labels["route"]).ToHashSet();
        Assert.Contains("/stories/{id}/viewers", routes);
        Assert.Contains("/follow/{user_id}", routes);
        Assert.DoesNotContain(routes, route => GuidPattern().IsMatch(route));
        Assert.DoesNotContain(exposition.Families.Values.SelectMany(f => f.Samples).SelectMany(s => s.Labels.Values), value => value.Contains(id.ToString(), StringComparison.OrdinalIgnoreCase));
    }

    private static StringContent JsonContent(object body) =>
        new(System.Text.Json.JsonSerializer.Serialize(body, ApiTestExtensions.Json), System.Text.Encoding.UTF8, "application/json");

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-", RegexOptions.IgnoreCase)]
    private static partial Regex GuidPattern();
}
