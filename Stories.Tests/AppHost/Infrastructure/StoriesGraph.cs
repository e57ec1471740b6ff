using System.Security.Cryptography;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Stories.Resources;

namespace Stories.AppHost.Tests.Infrastructure;

/// <summary>
/// The AppHost's whole graph, started once for every test in <see cref="SharedGraph"/>: PostgreSQL,
/// Redis and MinIO containers (or their stand-ins), both API replicas and the worker. What the test run
/// changes in the model, and why:
/// <list type="bullet">
/// <item>every parameter gets a value made up for this run, so Aspire generates none and writes nothing
/// into the developer's user secrets;</item>
/// <item>no volume is mounted: named volumes are derived from the AppHost's path, so a test run would
/// otherwise share PostgreSQL's data directory with the developer's own <c>dotnet run</c>;</item>
/// <item>stories live <see cref="StoryLifetime"/> and the worker sweeps every second, so expiry can be
/// watched within a test.</item>
/// </list>
/// </summary>
public sealed class StoriesGraph : IAsyncLifetime
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    /// <summary>How long a story lives in the graph under test.</summary>
    public static readonly TimeSpan StoryLifetime = TimeSpan.FromSeconds(20);

    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException(
        ContainerRuntime.UnavailableReason ?? "The graph did not start; see the fixture's error.");

    public async Task InitializeAsync()
    {
        if (ContainerRuntime.SkipReason is not null)
        {
            return;
        }

        if (ContainerRuntime.UnavailableReason is { } reason)
        {
            throw new InvalidOperationException($"The Aspire tests must run here (CI or stand-in images requested), but: {reason}");
        }

        using var cancellation = new CancellationTokenSource(StartTimeout);
        var token = cancellation.Token;
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Stories_AppHost>(Parameters(), token);
        StandInImages.Apply(builder);
        foreach (var container in builder.Resources.OfType<ContainerResource>())
        {
            foreach (var mount in container.Annotations.OfType<ContainerMountAnnotation>().ToList())
            {
                container.Annotations.Remove(mount);
            }
        }

        var api = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == ResourceNames.Api);
        builder.CreateResourceBuilder(api).WithEnvironment("Stories__Ttl", StoryLifetime.ToString("c"));
        var worker = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == ResourceNames.Worker);
        builder.CreateResourceBuilder(worker).WithEnvironment("Expiry__SweepInterval", "00:00:01");

        _app = await builder.BuildAsync(token).WaitAsync(StartTimeout, token);
        try
        {
            await _app.StartAsync(token).WaitAsync(StartTimeout, token);
            foreach (var name in GraphApi.Resources)
            {
                await _app.ResourceNotifications.WaitForResourceHealthyAsync(name, token).WaitAsync(StartTimeout, token);
            }
        }
        catch (Exception exception) when (exception is DistributedApplicationException or TimeoutException or OperationCanceledException)
        {
            throw new InvalidOperationException($"The graph did not become healthy: {exception.Message}\n{await DescribeAsync(_app)}", exception);
        }
    }

    /// <summary>Every resource's state and its last log lines: what a failed start needs explained.</summary>
    private static async Task<string> DescribeAsync(DistributedApplication app)
    {
        var logs = app.Services.GetRequiredService<ResourceLoggerService>();
        var text = new System.Text.StringBuilder();
        foreach (var name in GraphApi.Resources)
        {
            using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                foreach (var state in await app.InstancesAsync(name, cancellation.Token))
                {
                    text.AppendLine($"--- {state.ResourceId}: {state.Snapshot.State?.Text} / {state.Snapshot.HealthStatus}");
                    var lines = new List<string>();
                    using var logWindow = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                    try
                    {
                        await foreach (var batch in logs.WatchAsync(state.ResourceId).WithCancellation(logWindow.Token))
                        {
                            lines.AddRange(batch.Select(line => line.Content));
                        }
                    }
                    catch (OperationCanceledException)
                    {
                        // The backlog has been read; the watch would wait for more.
                    }

                    text.AppendJoin('\n', lines.TakeLast(30)).AppendLine();
                }
            }
            catch (OperationCanceledException)
            {
                text.AppendLine($"--- {name}: no state");
            }
        }

        return text.ToString();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    /// <summary>
    /// A value for every parameter of the AppHost, its own and those Aspire would generate; and no
    /// storage connection string, whatever the environment holds, so the graph runs its own MinIO.
    /// </summary>
    private static string[] Parameters() =>
    [
        $"ConnectionStrings:{ResourceNames.Storage}=",
        $"ConnectionStrings:{ResourceNames.Cache}=",
        $"Parameters:jwt-signing-key={Convert.ToBase64String(RandomNumberGenerator.GetBytes(48))}",
        "Parameters:minio-user=stories",
        $"Parameters:minio-password={Convert.ToHexString(RandomNumberGenerator.GetBytes(16))}",
        $"Parameters:postgres-password={Convert.ToHexString(RandomNumberGenerator.GetBytes(16))}",
        $"Parameters:cache-password={Convert.ToHexString(RandomNumberGenerator.GetBytes(16))}",
    ];
}

/// <summary>The tests that share one running graph (sequentially: they share its replicas and clock).</summary>
[CollectionDefinition(Name)]
public sealed class SharedGraph : ICollectionFixture<StoriesGraph>
{
    public const string Name = "graph";
}
