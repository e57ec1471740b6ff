using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Stories.AppHost.Tests.Infrastructure;
using Stories.Resources;

namespace Stories.AppHost.Tests;

/// <summary>
/// What azd deploys is the AppHost's publish-mode manifest. A checked-in copy of it makes every change
/// to the deployment — a resource, an image, a binding, an external endpoint, a parameter and whether it
/// is secret — show in review.
/// </summary>
public sealed partial class ManifestTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task PublishedManifestMatchesTheCheckedInCopy()
    {
        var appHost = RepositoryPaths.AppHost;
        var repository = RepositoryPaths.Root;
        var expectedPath = Path.Combine(repository, "Stories.Tests", "AppHost", "aspire-manifest.expected.json");
        var output = Directory.CreateTempSubdirectory("stories-manifest-");
        try
        {
            var manifestPath = Path.Combine(output.FullName, "aspire-manifest.json");

            await PublishAsync(appHost, manifestPath);
            var actual = Normalise(JsonNode.Parse(await File.ReadAllTextAsync(manifestPath))!, output.FullName, repository);

            var expected = JsonNode.Parse(await File.ReadAllTextAsync(expectedPath));
            if (!JsonNode.DeepEquals(expected, actual))
            {
                var actualPath = expectedPath.Replace(".expected.json", ".actual.json", StringComparison.Ordinal);
                await File.WriteAllTextAsync(actualPath, actual.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
                Assert.Fail($"The published manifest differs from {expectedPath}. It was written to {actualPath}: compare them, " +
                    "and if the change to the deployment is intended, copy it over the expected file.");
            }
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    /// <summary>Runs the AppHost as azd does: <c>dotnet run --project … -- --publisher manifest</c>.</summary>
    private static async Task PublishAsync(string appHost, string manifestPath)
    {
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { "run", "--project", appHost, "--no-build", "-c", configuration, "--", "--publisher", "manifest", "--output-path", manifestPath },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // The deployment must not depend on the shell it is published from (a local services' env, say).
        start.Environment.Remove($"ConnectionStrings__{ResourceNames.Storage}");
        start.Environment.Remove($"ConnectionStrings__{ResourceNames.Cache}");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancellation = new CancellationTokenSource(s_timeout);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"Publishing the manifest took longer than {s_timeout}.");
        }

        Assert.True(process.ExitCode == 0, $"dotnet run --publisher manifest exited {process.ExitCode}:\n{await stdout}\n{await stderr}");
    }

    /// <summary>
    /// Takes out what depends on where the repository is checked out: project paths (relative to the
    /// output folder) become relative to the repository; volume names carry a hash of the AppHost's path.
    /// </summary>
    private static JsonNode Normalise(JsonNode manifest, string outputFolder, string repository)
    {
        foreach (var (_, resource) in manifest["resources"]!.AsObject())
        {
            if (resource?["path"] is JsonValue path)
            {
                var absolute = Path.GetFullPath(Path.Combine(outputFolder, path.GetValue<string>()));
                resource["path"] = Path.GetRelativePath(repository, absolute).Replace('\\', '/');
            }

            foreach (var volume in resource?["volumes"]?.AsArray() ?? [])
            {
                volume!["name"] = VolumeHash().Replace(volume["name"]!.GetValue<string>(), "$1{hash}-");
            }
        }

        return manifest;
    }

    [GeneratedRegex("^(stories\\.apphost-)[0-9a-f]+-")]
    private static partial Regex VolumeHash();
}
