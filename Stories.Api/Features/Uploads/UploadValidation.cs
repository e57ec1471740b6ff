using Stories.Data.Storage;

namespace Stories.Api.Features.Uploads;

/// <summary>The rules of an upload request, checked before storage is asked anything.</summary>
internal static class UploadValidation
{
    private const int MaxFileNameLength = 255;

    public sealed record Upload(MediaType Type, long ContentLength, string Extension);

    public static Dictionary<string, string[]> Validate(PresignUploadRequest request, StorageOptions options, out Upload? upload)
    {
        var errors = new Dictionary<string, string[]>();
        var type = options.Allowed(request.ContentType?.Trim().ToLowerInvariant());
        if (type is null)
        {
            errors["content_type"] = [$"content_type must be one of: {string.Join(", ", options.AllowedContentTypeList())}."];
        }

        if (request.ContentLength is not >= 1)
        {
            errors["content_length"] = ["content_length must be the file's size in bytes, at least 1."];
        }
        else if (type is not null && request.ContentLength > options.MaxBytesFor(type.Kind))
        {
            errors["content_length"] = [SizeLimitError(type.Kind, options)];
        }

        if (request.FileName is { Length: > MaxFileNameLength })
        {
            errors["file_name"] = [$"file_name must be at most {MaxFileNameLength} characters."];
        }

        upload = errors.Count == 0 ? new Upload(type!, request.ContentLength!.Value, type!.ExtensionFor(request.FileName)) : null;
        return errors;
    }

    public static string SizeLimitError(MediaKind kind, StorageOptions options)
    {
        var max = options.MaxBytesFor(kind);
        var what = kind == MediaKind.Video ? "A video" : "An image";
        return $"{what} must be 1 to {max} bytes ({max / (1024.0 * 1024):0.#} MiB).";
    }
}
