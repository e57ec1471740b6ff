using System.Xml.Linq;
using Stories.Data;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Data;

/// <summary>
/// The data library is shared by the API, the worker and the benchmark driver, and needs the resource
/// names only: it must not pull in ServiceDefaults and, through it, ASP.NET Core and its telemetry
/// exporters (ADR 0016). The names are constants, compiled into the callers, so the project file is
/// checked as well as the compiled assembly.
/// </summary>
public sealed class DataDependencyTests
{
    [Fact]
    public void TheDataAssemblyReferencesNeitherServiceDefaultsNorAspNetCore()
    {
        var references = typeof(StoriesDbContext).Assembly.GetReferencedAssemblies().Select(name => name.Name!).ToList();

        Assert.DoesNotContain(references, name =>
            name == "Stories.ServiceDefaults" || name.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
    }

    [Fact]
    public void TheDataProjectReferencesNeitherServiceDefaultsNorTheAspNetCoreFramework()
    {
        var project = XDocument.Load(Path.Combine(RepositoryRoot.Path, "Stories.Data", "Stories.Data.csproj"));

        var projectReferences = project.Descendants("ProjectReference").Select(reference => (string?)reference.Attribute("Include"));
        var frameworkReferences = project.Descendants("FrameworkReference").Select(reference => (string?)reference.Attribute("Include"));

        Assert.DoesNotContain(projectReferences, include => include?.Contains("Stories.ServiceDefaults", StringComparison.Ordinal) == true);
        Assert.Empty(frameworkReferences);
    }
}
