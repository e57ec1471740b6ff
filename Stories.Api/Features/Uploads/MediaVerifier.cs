using Microsoft.Extensions.Options;
using Stories.Data.Storage;

namespace Stories.Api.Features.Uploads;

/// <summary>
/// The storage half of checking a story's <c>media_key</c> (<c>StoryValidation</c> checks the
/// prefix): the object must exist, with an allowed type and a size within its kind's limit. The
/// presigned PUT already bound type and size, so in practice this catches keys never uploaded (or
/// refused by storage) and objects stored before the rules were tightened.
/// </summary>
public sealed class MediaVerifier(MediaStorage storage, IOptions<StorageOptions> options, TimeProvider time)
{
    /// <summary>Null when the object may back a story, else the reason, for the client.</summary>
    public async Task<string?> ProblemWithAsync(string mediaKey, CancellationToken cancellationToken)
    {
        var media = await storage.HeadAsync(mediaKey, cancellationToken);
        if (media is null)
        {
            return "Nothing has been uploaded under this media_key: PUT the file to its upload_url first.";
        }

        if (time.GetUtcNow() - media.StoredAt > MediaKeys.AttachWindow)
        {
            return "This upload is more than an hour old, and unused uploads are deleted: upload the file again.";
        }

        var type = options.Value.Allowed(media.ContentType?.ToLowerInvariant());
        if (type is null)
        {
            return $"The uploaded file's type ({media.ContentType ?? "none"}) is not allowed; allowed: {string.Join(", ", options.Value.AllowedContentTypeList())}.";
        }

        return media.Length >= 1 && media.Length <= options.Value.MaxBytesFor(type.Kind)
            ? null
            : $"The uploaded file is {media.Length} bytes. {UploadValidation.SizeLimitError(type.Kind, options.Value)}";
    }
}
