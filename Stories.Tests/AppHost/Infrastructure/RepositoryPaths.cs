namespace Stories.AppHost.Tests.Infrastructure;

/// <summary>Where the checkout is, found from the AppHost project the tests reference.</summary>
public static class RepositoryPaths
{
    /// <summary>The AppHost's folder (<c>ProjectPath</c> is its project file or its folder, depending on the SDK's version).</summary>
    public static string AppHost { get; } = Projects.Stories_AppHost.ProjectPath.EndsWith(".csproj", StringComparison.Ordinal)
        ? Path.GetDirectoryName(Projects.Stories_AppHost.ProjectPath)!
        : Projects.Stories_AppHost.ProjectPath;

    /// <summary>The repository's root: the folder holding Stories.sln.</summary>
    public static string Root { get; } = Path.GetDirectoryName(AppHost)!;
}
