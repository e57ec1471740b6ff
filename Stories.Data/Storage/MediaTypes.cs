namespace Stories.Data.Storage;

public enum MediaKind
{
    Image,
    Video,
}

/// <summary>One content type Stories can store: its kind (which sets the size limit) and its file extensions.</summary>
public sealed record MediaType(string ContentType, MediaKind Kind, IReadOnlyList<string> Extensions)
{
    /// <summary>
    /// The extension of a new key. The client's file name is only a hint: its extension is kept when
    /// it is one of this type's own (<c>.jpeg</c> for <c>image/jpeg</c>), otherwise the type decides.
    /// Nothing else of the name is used, so a client can never choose a path.
    /// </summary>
    public string ExtensionFor(string? fileNameHint)
    {
        var hinted = Path.GetExtension(fileNameHint ?? "").ToLowerInvariant();
        return Extensions.Contains(hinted) ? hinted : Extensions[0];
    }
}

/// <summary>
/// Every content type Stories knows how to store. Configuration (<see cref="StorageOptions.AllowedContentTypes"/>)
/// may allow a subset of these, never more, so each allowed type has a kind and an extension.
/// </summary>
public static class MediaTypes
{
    public static readonly IReadOnlyDictionary<string, MediaType> Known = new[]
    {
        new MediaType("image/jpeg", MediaKind.Image, [".jpg", ".jpeg"]),
        new MediaType("image/png", MediaKind.Image, [".png"]),
        new MediaType("image/webp", MediaKind.Image, [".webp"]),
        new MediaType("image/gif", MediaKind.Image, [".gif"]),
        new MediaType("video/mp4", MediaKind.Video, [".mp4", ".m4v"]),
        new MediaType("video/quicktime", MediaKind.Video, [".mov", ".qt"]),
        new MediaType("video/webm", MediaKind.Video, [".webm"]),
    }.ToDictionary(type => type.ContentType, StringComparer.Ordinal);
}
