using System.Text.RegularExpressions;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Platform;

/// <summary>
/// The API's feature folders depend on each other one way only, so a reader never follows a behaviour from
/// one folder into another and back (the feed reads stories; stories only tell the caches to invalidate,
/// through Infrastructure/Caching). Read from the sources' <c>using Stories.Api.Features.…</c> lines.
/// </summary>
public sealed partial class FeatureFolderTests
{
    private static readonly string s_features = Path.Combine(RepositoryRoot.Path, "Stories.Api", "Features");

    [Fact]
    public void StoriesAndFeedDoNotImportEachOther()
    {
        var imports = FeatureImports();

        Assert.Contains("Stories", imports["Feed"]);
        Assert.DoesNotContain("Feed", imports["Stories"]);
    }

    [Fact]
    public void FeatureFoldersImportEachOtherWithoutACycle()
    {
        var imports = FeatureImports();

        var cycle = imports.Keys.Select(feature => CycleFrom(feature, imports, [])).FirstOrDefault(found => found is not null);

        Assert.True(cycle is null, $"Feature folders import each other in a cycle: {string.Join(" → ", cycle ?? [])}");
    }

    /// <summary>Each feature folder and the other feature folders its files import.</summary>
    private static Dictionary<string, HashSet<string>> FeatureImports() =>
        Directory.GetDirectories(s_features).ToDictionary(
            folder => Path.GetFileName(folder),
            folder => Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
                .SelectMany(file => FeatureUsing().Matches(File.ReadAllText(file)).Select(match => match.Groups["feature"].Value))
                .Where(feature => feature != Path.GetFileName(folder))
                .ToHashSet(StringComparer.Ordinal),
            StringComparer.Ordinal);

    private static List<string>? CycleFrom(string feature, Dictionary<string, HashSet<string>> imports, List<string> path)
    {
        if (path.Contains(feature))
        {
            return [.. path[path.IndexOf(feature)..], feature];
        }

        path.Add(feature);
        var cycle = imports.GetValueOrDefault(feature, []).Select(next => CycleFrom(next, imports, path)).FirstOrDefault(found => found is not null);
        path.RemoveAt(path.Count - 1);
        return cycle;
    }

    [GeneratedRegex(@"^using\s+Stories\.Api\.Features\.(?<feature>\w+)", RegexOptions.Multiline)]
    private static partial Regex FeatureUsing();
}
