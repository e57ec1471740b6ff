using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Stories.AppHost.Tests.Infrastructure;
using Stories.ServiceDefaults;

namespace Stories.AppHost.Tests;

[Collection(SharedGraph.Name)]
public sealed class GraphHealthTests(StoriesGraph graph)
{
    private static readonly string[] s_apiDependencies = ["database", "redis", "storage"];
    private static readonly string[] s_workerDependencies = ["database", "expiry"];
    private static readonly string[] s_apiMetrics = ["http_requests_total", "stories_created_total", "story_views_total", "reactions_total"];
    private static readonly string[] s_workerMetrics = ["stories_expired_total", "worker_latency_seconds"];

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
            unhealthy.AddRange(states
                .Where(state => state.Snapshot.HealthStatus != HealthStatus.Healthy)
                .Select(state => $"{state.ResourceId}: {state.Snapshot.State?.Text} / {state.Snapshot.HealthStatus}"));
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

    /// <summary>A client for each API replica and for the worker, each with what to expect of it.</summary>
    private async Task<List<(HttpClient Client, string[] Expected)>> EachProcessAsync(string[] api, string[] worker, CancellationToken token) =>
        [.. (await graph.App.ReplicaClientsAsync(ResourceNames.Api, token)).Select(client => (client, api)),
            (graph.App.CreateHttpClient(ResourceNames.Worker), worker)];

    private static bool HasMetric(string exposition, string name) =>
        Regex.IsMatch(exposition, $@"^# TYPE {Regex.Escape(name)} ", RegexOptions.Multiline);
}
