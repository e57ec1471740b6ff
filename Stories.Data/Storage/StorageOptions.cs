using System.ComponentModel.DataAnnotations;

namespace Stories.Data.Storage;

/// <summary>
/// The media bucket and the rules of uploads. Lists are comma-separated strings rather than arrays
/// because the configuration binder appends to an array's defaults instead of replacing them, and
/// one environment variable (<c>Storage__AllowedContentTypes=image/png,video/mp4</c>) is easier to set.
/// </summary>
public sealed class StorageOptions : IValidatableObject
{
    public const string SectionName = "Storage";

    /// <summary>The largest object one presigned PUT can carry (S3's single-request limit).</summary>
    public const long MaxObjectBytes = 5L * 1024 * 1024 * 1024;

    /// <summary>The one private bucket holding every upload; the API creates it at startup if it is missing.</summary>
    [Required]
    [RegularExpression("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", ErrorMessage = "Bucket must be an S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens.")]
    public string Bucket { get; set; } = "stories-media";

    /// <summary>
    /// Storage as clients reach it (<c>http://localhost:9000</c> when the API itself talks to
    /// <c>http://minio:9000</c>). Presigned URLs are signed for this host — the signature covers the
    /// host, so a URL cannot be rewritten afterwards. Unset: the endpoint of <c>ConnectionStrings:minio</c>.
    /// </summary>
    public string? PublicEndpoint { get; set; }

    /// <summary>Comma-separated content types clients may upload, each one of <see cref="MediaTypes.Known"/>.</summary>
    public string AllowedContentTypes { get; set; } = string.Join(',', MediaTypes.Known.Keys);

    [Range(typeof(long), "1", "5368709120")]
    public long MaxImageBytes { get; set; } = 10 * 1024 * 1024;

    [Range(typeof(long), "1", "5368709120")]
    public long MaxVideoBytes { get; set; } = 100 * 1024 * 1024;

    /// <summary>How long a presigned PUT stays usable; at most 15 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:15:00")]
    public TimeSpan UploadUrlLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a story's <c>media_url</c> (a presigned GET) stays usable; at most 10 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan DownloadUrlLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Comma-separated browser origins allowed to PUT and GET media directly; empty sets no CORS rules.</summary>
    public string CorsOrigins { get; set; } = "";

    /// <summary>
    /// The longest one storage request may take (it is retried once at most), so that a route which
    /// needs storage answers 503 promptly instead of hanging while storage is away.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public IReadOnlyList<string> AllowedContentTypeList() => Split(AllowedContentTypes);

    public IReadOnlyList<string> CorsOriginList() => Split(CorsOrigins);

    /// <summary>The allowed media type for a content type, or null when it is not allowed here.</summary>
    public MediaType? Allowed(string? contentType) =>
        contentType is not null && AllowedContentTypeList().Contains(contentType) ? MediaTypes.Known.GetValueOrDefault(contentType) : null;

    public long MaxBytesFor(MediaKind kind) => kind == MediaKind.Video ? MaxVideoBytes : MaxImageBytes;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var types = AllowedContentTypeList();
        if (types.Count == 0 || types.Any(type => !MediaTypes.Known.ContainsKey(type)))
        {
            yield return new ValidationResult(
                $"AllowedContentTypes must list one or more of: {string.Join(", ", MediaTypes.Known.Keys)}.", [nameof(AllowedContentTypes)]);
        }

        if (PublicEndpoint is not null && !IsHttpRoot(PublicEndpoint))
        {
            yield return new ValidationResult("PublicEndpoint must be an http(s) URL without a path, e.g. http://localhost:9000.", [nameof(PublicEndpoint)]);
        }

        if (CorsOriginList().Any(origin => !IsHttpRoot(origin)))
        {
            yield return new ValidationResult("CorsOrigins must be http(s) origins, e.g. https://app.example.com.", [nameof(CorsOrigins)]);
        }
    }

    private static bool IsHttpRoot(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && uri.AbsolutePath == "/" && uri.Query.Length == 0;

    private static string[] Split(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
