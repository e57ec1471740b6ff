using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Stories.AppHost.Tests.Infrastructure;

/// <summary>
/// Where the official images cannot be pulled, <c>scripts/images.sh</c> builds stand-ins from Debian
/// packages (real PostgreSQL, Redis and a Ceph RADOS Gateway speaking S3) and names them in
/// <c>STORIES_TEST_IMAGES=postgres=image:tag,cache=image:tag,minio=image:tag</c>. The tests swap each
/// container resource's image for its stand-in here, in the test's own model — the stand-ins are never
/// tagged with official names, which would poison a developer's image cache.
/// </summary>
public static class StandInImages
{
    public const string Variable = "STORIES_TEST_IMAGES";

    public static bool Requested => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(Variable));

    /// <summary>Resource name → image reference, from <see cref="Variable"/>.</summary>
    public static IReadOnlyDictionary<string, string> Parse(string? value)
    {
        var images = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var separator = entry.IndexOf('=', StringComparison.Ordinal);
            if (separator <= 0 || separator == entry.Length - 1)
            {
                throw new InvalidOperationException($"{Variable} has an entry '{entry}' that is not resource=image:tag.");
            }

            images[entry[..separator]] = entry[(separator + 1)..];
        }

        return images;
    }

    /// <summary>Points each named container resource at its stand-in, never pulled.</summary>
    public static void Apply(IDistributedApplicationTestingBuilder builder)
    {
        var images = Parse(Environment.GetEnvironmentVariable(Variable));
        foreach (var (resourceName, reference) in images)
        {
            var container = builder.Resources.OfType<ContainerResource>().SingleOrDefault(r => r.Name == resourceName)
                ?? throw new InvalidOperationException($"{Variable} names '{resourceName}', which is no container resource of the AppHost.");
            var (image, tag) = SplitReference(reference);
            var annotation = container.Annotations.OfType<ContainerImageAnnotation>().Single();
            annotation.Registry = null;
            annotation.Image = image;
            // Setting SHA256 would clear the tag; stand-ins are addressed by tag only.
            annotation.Tag = tag;
            builder.CreateResourceBuilder(container).WithImagePullPolicy(ImagePullPolicy.Never);
        }
    }

    private static (string Image, string Tag) SplitReference(string reference)
    {
        var colon = reference.LastIndexOf(':');
        return colon > reference.LastIndexOf('/') && colon > 0
            ? (reference[..colon], reference[(colon + 1)..])
            : (reference, "latest");
    }
}
