namespace Stories.Resources;

/// <summary>
/// The names of the distributed application's resources. The AppHost declares them, the services
/// read their connection strings by them (<c>ConnectionStrings__storiesdb</c>, …) and the tests and
/// the local services script use the same ones, so a name cannot drift between the three ways of
/// running Stories.
/// </summary>
public static class ResourceNames
{
    /// <summary>The PostgreSQL database holding users, stories and the social graph.</summary>
    public const string Database = "storiesdb";

    /// <summary>The Redis cache: rate limits, caches and the event bus.</summary>
    public const string Cache = "cache";

    /// <summary>The S3-compatible object storage (MinIO under Aspire and docker-compose).</summary>
    public const string Storage = "minio";

    /// <summary>The HTTP API project.</summary>
    public const string Api = "api";

    /// <summary>The expiry worker project.</summary>
    public const string Worker = "worker";

    /// <summary>The reference web client (static files and its <c>/config.json</c>).</summary>
    public const string Web = "web";

    /// <summary>
    /// The endpoint of api, worker and web that serves <c>/health</c>, <c>/healthz</c> and <c>/metrics</c>:
    /// never external, and what the AppHost's health checks probe (ADR 0014).
    /// </summary>
    public const string ManagementEndpoint = "management";
}
