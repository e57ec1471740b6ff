using Stories.Data.Entities;
using Stories.Data.Storage;

namespace Stories.Api.Features.Stories;

/// <summary>The rules of a new story, checked before anything touches the database.</summary>
internal static class StoryValidation
{
    private const int MaxMediaKeyLength = 512;

    public sealed record Draft(string? Text, string? MediaKey, StoryVisibility Visibility, IReadOnlyList<Guid> Audience);

    public static Dictionary<string, string[]> Validate(CreateStoryRequest request, Guid authorId, StoryOptions options, out Draft draft)
    {
        var errors = new Dictionary<string, string[]>();
        var text = string.IsNullOrWhiteSpace(request.Text) ? null : request.Text.Trim();
        var mediaKey = string.IsNullOrWhiteSpace(request.MediaKey) ? null : request.MediaKey;

        if (text is { Length: var length } && length > options.MaxTextLength)
        {
            errors["text"] = [$"Text must be at most {options.MaxTextLength} characters."];
        }

        if (text is not null && text.Contains('\0', StringComparison.Ordinal))
        {
            errors["text"] = ["Text must not contain NUL characters."];
        }

        if (text is null && mediaKey is null)
        {
            errors["text"] = ["A story needs text, a media_key, or both."];
        }

        if (mediaKey is not null && MediaKeyError(mediaKey, authorId) is { } mediaError)
        {
            errors["media_key"] = [mediaError];
        }

        var visibility = StoryVisibility.Public;
        if (request.Visibility is not ("public" or "friends" or "private"))
        {
            errors["visibility"] = ["Visibility must be one of: public, friends, private."];
        }
        else
        {
            visibility = StoryVisibilityNames.Parse(request.Visibility);
        }

        // The author always sees their own story, so listing them changes nothing.
        var audience = (request.AudienceUserIds ?? []).Distinct().Where(userId => userId != authorId).ToList();
        if (request.AudienceUserIds is { Count: > 0 } && visibility != StoryVisibility.Friends)
        {
            errors["audience_user_ids"] = ["An audience is only allowed with visibility \"friends\"."];
        }
        else if (audience.Count > options.MaxAudience)
        {
            errors["audience_user_ids"] = [$"An audience may list at most {options.MaxAudience} users."];
        }

        draft = new Draft(text, mediaKey, visibility, audience);
        return errors;
    }

    /// <summary>
    /// A media key must be one the caller was handed for their own upload: <c>uploads/{user_id}/…</c>.
    /// Whether anything was uploaded there is storage's to say (<c>MediaVerifier</c>), after this.
    /// </summary>
    public static string? MediaKeyError(string mediaKey, Guid authorId) =>
        mediaKey.Length <= MaxMediaKeyLength
        && mediaKey.StartsWith(MediaKeys.PrefixFor(authorId), StringComparison.Ordinal)
        && !mediaKey.Contains("..", StringComparison.Ordinal)
        && mediaKey.Length > MediaKeys.PrefixFor(authorId).Length
            ? null
            : "The media_key must be one returned by POST /upload/presigned to you.";
}
