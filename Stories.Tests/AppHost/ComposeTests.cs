using System.Diagnostics;
using System.Text.RegularExpressions;
using Aspire.Hosting;
using Stories.AppHost.Tests.Infrastructure;

namespace Stories.AppHost.Tests;

/// <summary>
/// docker-compose.yml, the way to run Stories without Aspire, checked by Compose itself: the file is
/// valid, its images are the official ones the AppHost uses unless a variable overrides them, it
/// refuses to start without its secrets, and it never publishes the services' management port.
/// </summary>
public sealed class ComposeTests
{
    private static readonly Dictionary<string, string> s_secrets = new()
    {
        ["POSTGRES_PASSWORD"] = "compose-test",
        ["REDIS_PASSWORD"] = "compose-test",
        ["MINIO_ROOT_USER"] = "stories",
        ["MINIO_ROOT_PASSWORD"] = "compose-test-password",
        ["JWT_SIGNING_KEY"] = "compose-test-key",
    };

    private static readonly string[] s_imageVariables = ["POSTGRES_IMAGE", "REDIS_IMAGE", "MINIO_IMAGE", "DOTNET_SDK_IMAGE", "ASPNET_IMAGE"];

    [Fact]
    public async Task ComposeFileNamesTheOfficialImagesByDefault()
    {
        var (exitCode, output) = await ComposeConfigAsync(s_secrets);

        Assert.True(exitCode == 0, output);
        Assert.Contains("image: docker.io/library/postgres:18.3", output, StringComparison.Ordinal);
        Assert.Contains("image: docker.io/library/redis:8.6", output, StringComparison.Ordinal);
        Assert.Contains($"image: {MinioResourceBuilderExtensions.Registry}/{MinioResourceBuilderExtensions.Image}:{MinioResourceBuilderExtensions.Tag}", output, StringComparison.Ordinal);
        Assert.Contains("DOTNET_SDK_IMAGE: mcr.microsoft.com/dotnet/sdk:10.0", output, StringComparison.Ordinal);
        Assert.Contains("ASPNET_IMAGE: mcr.microsoft.com/dotnet/aspnet:10.0", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryImageCanBeOverriddenByAVariable()
    {
        var variables = new Dictionary<string, string>(s_secrets)
        {
            ["POSTGRES_IMAGE"] = "mirror.example/postgres:18",
            ["REDIS_IMAGE"] = "mirror.example/redis:8",
            ["MINIO_IMAGE"] = "mirror.example/minio:1",
            ["DOTNET_SDK_IMAGE"] = "mirror.example/sdk:10",
            ["ASPNET_IMAGE"] = "mirror.example/aspnet:10",
        };

        var (exitCode, output) = await ComposeConfigAsync(variables);

        Assert.True(exitCode == 0, output);
        Assert.Contains("image: mirror.example/postgres:18", output, StringComparison.Ordinal);
        Assert.Contains("image: mirror.example/redis:8", output, StringComparison.Ordinal);
        Assert.Contains("image: mirror.example/minio:1", output, StringComparison.Ordinal);
        Assert.Contains("DOTNET_SDK_IMAGE: mirror.example/sdk:10", output, StringComparison.Ordinal);
        Assert.Contains("ASPNET_IMAGE: mirror.example/aspnet:10", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Health and metrics answer on the management port only (the API's tests show it over HTTP); here,
    /// that compose sets that port for both services and publishes nothing but the API's own port.
    /// Compose v1 and v2 quote and lay out ports differently, hence the patterns.
    /// </summary>
    [Fact]
    public async Task ApiWorkerAndWebServeHealthAndMetricsOnAManagementPortThatIsNotPublished()
    {
        var (exitCode, output) = await ComposeConfigAsync(s_secrets);

        Assert.True(exitCode == 0, output);
        Assert.Equal(3, Regex.Count(output, @"Management__Port: ['""]?8081['""]?\n"));
        Assert.DoesNotMatch(@"(target|published): ['""]?8081\b", output);
        Assert.Matches(@"published: ['""]?5000['""]?\n\s+target: 8080\n|target: 8080\n\s+published: ['""]?5000['""]?", output);
    }

    /// <summary>The reference client on :3000, one of the API's default CORS origins, calling the API where compose publishes it.</summary>
    [Fact]
    public async Task TheWebClientIsServedOnPort3000AndCallsThePublishedApi()
    {
        var (exitCode, output) = await ComposeConfigAsync(s_secrets);

        Assert.True(exitCode == 0, output);
        Assert.Matches(@"published: ['""]?3000['""]?\n\s+target: 8080\n|target: 8080\n\s+published: ['""]?3000['""]?", output);
        Assert.Contains("Api__BaseAddress: http://localhost:5000", output, StringComparison.Ordinal);
        Assert.Matches(@"target: web\n", output);
    }

    [Fact]
    public async Task ComposeRefusesToStartWithoutAJwtSigningKey()
    {
        var variables = new Dictionary<string, string>(s_secrets) { ["JWT_SIGNING_KEY"] = "" };

        var (exitCode, output) = await ComposeConfigAsync(variables);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("set JWT_SIGNING_KEY", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// <c>docker compose config</c> (Compose v2) or <c>docker-compose config</c> (v1, which Debian ships)
    /// with exactly <paramref name="variables"/>: an empty env file keeps a developer's own .env out.
    /// </summary>
    private static async Task<(int ExitCode, string Output)> ComposeConfigAsync(IReadOnlyDictionary<string, string> variables)
    {
        var repository = RepositoryPaths.Root;
        var envFile = Path.GetTempFileName();
        try
        {
            var command = await ComposeCommandAsync();
            var start = new ProcessStartInfo(command[0]) { WorkingDirectory = repository, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in command.Skip(1).Concat(["--env-file", envFile, "-f", "docker-compose.yml", "config"]))
            {
                start.ArgumentList.Add(argument);
            }

            foreach (var name in s_imageVariables.Concat(s_secrets.Keys))
            {
                start.Environment.Remove(name);
            }

            foreach (var (name, value) in variables)
            {
                start.Environment[name] = value;
            }

            return await RunAsync(start);
        }
        finally
        {
            File.Delete(envFile);
        }
    }

    private static async Task<string[]> ComposeCommandAsync()
    {
        try
        {
            if ((await RunAsync(new ProcessStartInfo("docker", "compose version") { RedirectStandardOutput = true, RedirectStandardError = true })).ExitCode == 0)
            {
                return ["docker", "compose"];
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No docker client at all; try Compose v1 below.
        }

        return ["docker-compose"];
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(ProcessStartInfo start)
    {
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(cancellation.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
