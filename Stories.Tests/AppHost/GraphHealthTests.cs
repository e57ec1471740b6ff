using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Stories.AppHost.Tests.Infrastructure;
using Stories.Resources;

namespace Stories.AppHost.Tests;

/// <summary>
/// Health and metrics of the running graph. Each service serves them on its own management endpoint,
/// which is not external and which Aspire's health checks probe; its public endpoints answer them like
/// routes that do not exist (ADR 0014).
/// </summary>
[Collection(SharedGraph.Name)]
public sealed class GraphHealthTests(StoriesGraph graph)
{
    private static readonly string[] s_apiDependencies = ["database", "redis", "storage"];
    private static readonly string[] s_workerDependencies = ["database", "expiry"];
    private static readonly string[] s_apiMetrics = ["http_requests_total", "stories_created_total", "story_views_total", "reactions_total"];
    private static readonly string[] s_workerMetrics = ["stories_expired_total", "worker_latency_seconds"];
    private static readonly string[] s_services = [ResourceNames.Api, ResourceNames.Worker, ResourceNames.Web];
    private static readonly string[] s_managementOnlyPaths = ["/metrics", "/health", "/healthz"];

    [ContainerRuntimeFact]
    public async Task EveryResourceAndBothApiReplicasAreHealthy()
    {
        using var cancellation = new CancellationTokenSource(GraphApi.RequestTimeout);

        var unhealthy = new List<string>();
        var instances = new Dictionary<string, int>();
        foreach (var name in GraphApi.Resources)
        {
            var states = await graph.App.InstancesAsync(name, cancellation.Token);
            instances[name] = states.Count;
            // Healthy because its checks ran and passed — for api, worker and web against their management
            // endpoint — not because it has none: these reports are the health the dashboard shows.
            unhealthy.AddRange(states
                .Where(state => state.Snapshot.HealthStatus != HealthStatus.Healthy || state.Snapshot.HealthReports.IsEmpty)
                .Select(state => $"{state.ResourceId}: {state.Snapshot.State?.Text} / {state.Snapshot.HealthStatus} ({state.Snapshot.HealthReports.Length} checks)"));
        }

        Assert.Empty(unhealthy);
        Assert.Equal(2, instances[ResourceNames.Api]);
        Assert.Equal(1, instances[ResourceNames.Worker]);
    }

    [ContainerRuntimeFact]
    public async Task HealthzOfEachApiReplicaAndTheWorkerReportsEveryDependencyHealthy()
    {
        using var cancellation = new CancellationTokenSource(GraphApi.RequestTimeout);

        foreach (var (client, dependencies) in await EachProcessAsync(s_apiDependencies, s_workerDependencies, cancellation.Token))
        {
            using (client)
            {
                using var response = await client.GetAsync("/healthz", cancellation.Token);
                var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellation.Token)).RootElement;

                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{client.BaseAddress}healthz answered {(int)response.StatusCode}: {body}");
                Assert.Equal("healthy", body.GetProperty("status").GetString());
                foreach (var dependency in dependencies)
                {
                    Assert.Equal("healthy", body.GetProperty("checks").GetProperty(dependency).GetProperty("status").GetString());
                }
            }
        }
    }

    [ContainerRuntimeFact]
    public async Task MetricsOfEachApiReplicaAndTheWorkerCarryTheContractsMetricNames()
    {
        using var cancellation = new CancellationTokenSource(GraphApi.RequestTimeout);

        foreach (var (client, names) in await EachProcessAsync(s_apiMetrics, s_workerMetrics, cancellation.Token))
        {
            using (client)
            {
                // A request first, so the request counter has a sample on this very process.
                using var health = await client.GetAsync("/healthz", cancellation.Token);
                var metrics = await client.GetStringAsync("/metrics", cancellation.Token);

                var missing = names.Where(name => !HasMetric(metrics, name)).ToList();
                Assert.True(missing.Count == 0, $"{client.BaseAddress}metrics lacks {string.Join(", ", missing)}.");
            }
        }
    }

    [ContainerRuntimeFact]
    public void EveryServiceHasAManagementEndpointThatIsNotExternal()
    {
        var model = graph.App.Services.GetRequiredService<DistributedApplicationModel>();

        foreach (var name in s_services)
        {
            var endpoints = model.Resources.OfType<ProjectResource>().Single(r => r.Name == name).Annotations.OfType<EndpointAnnotation>().ToList();
            var management = Assert.Single(endpoints, endpoint => endpoint.Name == ResourceNames.ManagementEndpoint);
            Assert.False(management.IsExternal, $"{name}'s management endpoint is external.");
        }

        var api = model.Resources.OfType<ProjectResource>().Single(r => r.Name == ResourceNames.Api).Annotations.OfType<EndpointAnnotation>();
        Assert.True(api.Single(endpoint => endpoint.Name == "http").IsExternal, "The API's own endpoint is meant to be external.");
    }

    [ContainerRuntimeFact]
    public async Task ThePublicEndpointsAnswerHealthAndMetricsLikeRoutesThatDoNotExist()
    {
        using var cancellation = new CancellationTokenSource(GraphApi.RequestTimeout);
        var token = cancellation.Token;
        var publicClients = new List<HttpClient>(await graph.App.ReplicaClientsAsync(ResourceNames.Api, token))
        {
            // Aspire's proxy in front of both replicas: the address the dashboard links and clients use.
            graph.App.CreateHttpClient(ResourceNames.Api, "http"),
            graph.App.CreateHttpClient(ResourceNames.Worker, "http"),
            graph.App.CreateHttpClient(ResourceNames.Web, "http"),
        };

        try
        {
            foreach (var client in publicClients)
            {
                using var missing = await client.GetAsync($"/no-such-route-{Guid.NewGuid():N}", token);
                foreach (var path in s_managementOnlyPaths)
                {
                    using var response = await client.GetAsync(path, token);
                    Assert.True(response.StatusCode == missing.StatusCode && response.StatusCode != HttpStatusCode.OK,
                        $"{client.BaseAddress}{path.TrimStart('/')} answered {(int)response.StatusCode}; a missing route answers {(int)missing.StatusCode}.");
                }

                using var alive = await client.GetAsync("/alive", token);
                Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
            }
        }
        finally
        {
            publicClients.ForEach(client => client.Dispose());
        }
    }

    [ContainerRuntimeFact]
    public async Task EachServicesManagementEndpointServesHealthAndMetrics()
    {
        using var cancellation = new CancellationTokenSource(GraphApi.RequestTimeout);

        foreach (var name in s_services)
        {
            using var management = graph.App.CreateHttpClient(name, ResourceNames.ManagementEndpoint);
            foreach (var path in s_managementOnlyPaths)
            {
                using var response = await management.GetAsync(path, cancellation.Token);
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{name}'s {path} on its management endpoint answered {(int)response.StatusCode}.");
            }
        }
    }

    /// <summary>A client for the management port of each API replica and of the worker, each with what to expect of it.</summary>
    private async Task<List<(HttpClient Client, string[] Expected)>> EachProcessAsync(string[] api, string[] worker, CancellationToken token) =>
        [.. (await graph.App.ReplicaManagementClientsAsync(ResourceNames.Api, token)).Select(client => (client, api)),
            (graph.App.CreateHttpClient(ResourceNames.Worker, ResourceNames.ManagementEndpoint), worker)];

    private static bool HasMetric(string exposition, string name) =>
        Regex.IsMatch(exposition, $@"^# TYPE {Regex.Escape(name)} ", RegexOptions.Multiline);
}
