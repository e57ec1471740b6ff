using Stories.Resources;

namespace Stories.Tests.Infrastructure;

/// <summary>
/// The API with a media bucket of its own on the real S3 server — created by the API's own startup
/// code, deleted with its objects afterwards — so no class sees another's uploads. Presigned URLs
/// name storage as <c>localhost</c> while the API reaches it as <c>127.0.0.1</c>: as under
/// docker-compose, the host clients use is not the API's, and the signatures must hold for it.
/// </summary>
public class StorageApiFactory : StoriesApiFactory
{
    public StorageApiFactory()
        : this(TestStorage.Connection.Endpoint)
    {
    }

    /// <summary>The API reaching storage through <paramref name="endpoint"/> (a proxy, in outage tests).</summary>
    protected StorageApiFactory(Uri endpoint)
    {
        Bucket = $"stories-test-{Guid.NewGuid():N}";
        PublicEndpoint = new UriBuilder(endpoint) { Host = "localhost" }.Uri.GetLeftPart(UriPartial.Authority);
        WithSetting($"ConnectionStrings:{ResourceNames.Storage}", TestStorage.ConnectionStringVia(endpoint));
        WithSetting("Storage:Bucket", Bucket);
        WithSetting("Storage:PublicEndpoint", PublicEndpoint);
    }

    public string Bucket { get; }

    public string PublicEndpoint { get; }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await TestStorage.DeleteBucketAsync(Bucket);
    }
}
