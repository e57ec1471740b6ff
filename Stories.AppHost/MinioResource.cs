namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// MinIO, the S3-compatible object storage Stories keeps media in during development. A resource of
/// our own rather than CommunityToolkit's: that package is not on our package copy, is deprecated
/// upstream and pulls an image Docker Hub no longer serves (docs/decisions/0008).
/// </summary>
/// <remarks>
/// Its connection string is the one every S3 server gets in Stories —
/// <c>Endpoint=http://host:port;AccessKey=…;SecretKey=…</c> — so pointing Stories at AWS S3, R2, Ceph,
/// Garage or RustFS changes that string and nothing else.
/// </remarks>
public sealed class MinioResource(string name, ParameterResource rootUser, ParameterResource rootPassword)
    : ContainerResource(name), IResourceWithConnectionString
{
    internal const string ApiEndpointName = "http";
    internal const string ConsoleEndpointName = "console";

    private EndpointReference? _apiEndpoint;

    /// <summary>The MinIO root user: the S3 access key.</summary>
    public ParameterResource RootUser { get; } = rootUser;

    /// <summary>The MinIO root password: the S3 secret key.</summary>
    public ParameterResource RootPassword { get; } = rootPassword;

    /// <summary>The S3 API endpoint.</summary>
    public EndpointReference ApiEndpoint => _apiEndpoint ??= new(this, ApiEndpointName);

    /// <inheritdoc />
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Endpoint={ApiEndpoint.Property(EndpointProperty.Url)};AccessKey={RootUser};SecretKey={RootPassword}");

    /// <inheritdoc />
    public IEnumerable<KeyValuePair<string, ReferenceExpression>> GetConnectionProperties()
    {
        yield return new("Endpoint", ReferenceExpression.Create($"{ApiEndpoint.Property(EndpointProperty.Url)}"));
        yield return new("AccessKey", ReferenceExpression.Create($"{RootUser}"));
        yield return new("SecretKey", ReferenceExpression.Create($"{RootPassword}"));
    }
}
