using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>Adds MinIO to the application model (see <see cref="MinioResource"/>).</summary>
public static class MinioResourceBuilderExtensions
{
    /// <summary>The registry MinIO's images are published to since Docker Hub dropped them.</summary>
    public const string Registry = "quay.io";

    /// <summary>MinIO's server image.</summary>
    public const string Image = "minio/minio";

    /// <summary>
    /// The last community release MinIO published as an image, pinned so that every developer and
    /// every deployment runs the same server (docker-compose.yml names the same tag).
    /// </summary>
    public const string Tag = "RELEASE.2025-09-07T16-13-09Z";

    /// <summary>
    /// Adds a MinIO container: the S3 API on its <c>http</c> endpoint, the web console on
    /// <c>console</c>, credentials from <paramref name="rootUser"/> and <paramref name="rootPassword"/>,
    /// and a health check on MinIO's own liveness route.
    /// </summary>
    /// <param name="builder">The distributed application builder.</param>
    /// <param name="name">The resource name, which is also the connection string's name.</param>
    /// <param name="rootUser">The root user (S3 access key); at least 3 characters.</param>
    /// <param name="rootPassword">The root password (S3 secret key); at least 8 characters.</param>
    public static IResourceBuilder<MinioResource> AddMinio(
        this IDistributedApplicationBuilder builder,
        string name,
        IResourceBuilder<ParameterResource> rootUser,
        IResourceBuilder<ParameterResource> rootPassword)
    {
        var minio = new MinioResource(name, rootUser.Resource, rootPassword.Resource);
        return builder.AddResource(minio)
            .WithImage(Image, Tag)
            .WithImageRegistry(Registry)
            .WithHttpEndpoint(targetPort: 9000, name: MinioResource.ApiEndpointName)
            .WithHttpEndpoint(targetPort: 9001, name: MinioResource.ConsoleEndpointName)
            .WithEnvironment("MINIO_ROOT_USER", rootUser)
            .WithEnvironment("MINIO_ROOT_PASSWORD", rootPassword)
            .WithArgs("server", "/data", "--console-address", ":9001")
            .WithHttpHealthCheck("/minio/health/live", endpointName: MinioResource.ApiEndpointName);
    }

    /// <summary>Keeps MinIO's data in a named volume, so uploaded media survives a restart of the AppHost.</summary>
    /// <param name="builder">The MinIO resource.</param>
    /// <param name="name">The volume name; by default one derived from the AppHost and the resource.</param>
    public static IResourceBuilder<MinioResource> WithDataVolume(this IResourceBuilder<MinioResource> builder, string? name = null) =>
        builder.WithVolume(name ?? VolumeNameGenerator.Generate(builder, "data"), "/data");
}
