using System.Data.Common;
using System.Globalization;
using Stories.Resources;

namespace Stories.Data.Storage;

/// <summary>
/// <c>ConnectionStrings:minio</c> in the format Aspire injects:
/// <c>Endpoint=http://host:port;AccessKey=…;SecretKey=…</c>, with an optional <c>UseSsl=true|false</c>
/// that picks the scheme. A class, not a record, so that no generated <c>ToString</c> prints the secret.
/// </summary>
public sealed class StorageConnection
{
    private StorageConnection(Uri endpoint, string accessKey, string secretKey)
    {
        Endpoint = endpoint;
        AccessKey = accessKey;
        SecretKey = secretKey;
    }

    public Uri Endpoint { get; }

    public string AccessKey { get; }

    public string SecretKey { get; }

    public override string ToString() => Endpoint.ToString();

    /// <summary>Parses the connection string; errors name the missing key, never a value.</summary>
    public static StorageConnection Parse(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw Invalid("is not set. Under Aspire it is injected; otherwise set it (see README, 'Configuration')");
        }

        var parts = new DbConnectionStringBuilder();
        try
        {
            parts.ConnectionString = connectionString;
        }
        catch (ArgumentException)
        {
            throw Invalid("is not a key=value;… connection string");
        }

        var endpoint = Get(parts, "Endpoint") ?? throw Invalid("has no Endpoint");
        var accessKey = Get(parts, "AccessKey") ?? throw Invalid("has no AccessKey");
        var secretKey = Get(parts, "SecretKey") ?? throw Invalid("has no SecretKey");
        bool? useSsl = Get(parts, "UseSsl") switch
        {
            null => null,
            var value when bool.TryParse(value, out var ssl) => ssl,
            _ => throw Invalid("has a UseSsl that is neither true nor false"),
        };

        if (!endpoint.Contains("://", StringComparison.Ordinal))
        {
            endpoint = (useSsl == true ? "https://" : "http://") + endpoint;
        }

        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw Invalid("has an Endpoint that is not an http(s) URL");
        }

        // UseSsl, when given, decides the scheme whatever the endpoint says.
        if (useSsl is { } secure)
        {
            uri = new UriBuilder(uri) { Scheme = secure ? Uri.UriSchemeHttps : Uri.UriSchemeHttp, Port = uri.IsDefaultPort ? -1 : uri.Port }.Uri;
        }

        return new StorageConnection(new Uri(uri.GetLeftPart(UriPartial.Authority)), accessKey, secretKey);
    }

    private static string? Get(DbConnectionStringBuilder parts, string key) =>
        parts.TryGetValue(key, out var value) && Convert.ToString(value, CultureInfo.InvariantCulture) is { Length: > 0 } text ? text : null;

    private static InvalidOperationException Invalid(string problem) =>
        new($"ConnectionStrings:{ResourceNames.Storage} {problem}. Expected Endpoint=http://host:port;AccessKey=…;SecretKey=…[;UseSsl=true|false].");
}
