namespace Stories.Tests.Infrastructure;

/// <summary>The folder holding Stories.sln, found above the test binaries, for tests that read the repository's own files.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "Stories.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Stories.sln above {AppContext.BaseDirectory}: the repository's files cannot be found.");
    }
}
