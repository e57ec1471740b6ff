using System.Net;
using Stories.ServiceDefaults;

namespace Stories.AppHost.Tests;

public sealed class AppHostTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(5);

    [ContainerRuntimeFact]
    public async Task ApiAndWorkerBecomeHealthyAndTheApiReportsEveryDependency()
    {
        using var cancellation = new CancellationTokenSource(s_timeout);
        var token = cancellation.Token;
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Stories_AppHost>(TestParameters.Args, token);
        await using var app = await builder.BuildAsync(token).WaitAsync(s_timeout, token);
        await app.StartAsync(token).WaitAsync(s_timeout, token);

        await app.ResourceNotifications.WaitForResourceHealthyAsync(ResourceNames.Api, token).WaitAsync(s_timeout, token);
        await app.ResourceNotifications.WaitForResourceHealthyAsync(ResourceNames.Worker, token).WaitAsync(s_timeout, token);
        using var http = app.CreateHttpClient(ResourceNames.Api);
        var response = await http.GetAsync("/healthz", token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}

/// <summary>Values for the AppHost's parameters, made up per run: nothing secret is stored.</summary>
internal static class TestParameters
{
    public static readonly string[] Args =
    [
        $"Parameters:jwt-signing-key={Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48))}",
        "Parameters:minio-user=stories",
        $"Parameters:minio-password={Guid.NewGuid():N}",
    ];
}
