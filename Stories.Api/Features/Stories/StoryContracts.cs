using System.Text.Json.Serialization;

namespace Stories.Api.Features.Stories;

public sealed record CreateStoryRequest(string? Text, string? MediaKey, string? Visibility, List<Guid>? AudienceUserIds);

public sealed record AuthorSummary(Guid Id, string Handle);

/// <summary>
/// A story as its caller may see it. <see cref="ViewCount"/> and <see cref="ReactionCounts"/> are
/// the author's only and absent for everyone else; <see cref="MediaUrl"/> is a short-lived
/// presigned GET, made only for callers allowed to see the story.
/// </summary>
public sealed record StoryResponse(
    Guid Id,
    AuthorSummary Author,
    string? Text,
    string? MediaKey,
    string? MediaUrl,
    string Visibility,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? ViewCount,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, int>? ReactionCounts,
    bool ViewedByMe);

public sealed record StoryPage(IReadOnlyList<StoryResponse> Items, string? NextCursor);

public sealed record ReactionRequest(string? Emoji);

public sealed record ReactionResponse(Guid Id, Guid StoryId, string Emoji, DateTimeOffset CreatedAt);

public sealed record ViewerResponse(Guid UserId, string Handle, DateTimeOffset ViewedAt);

public sealed record ViewerPage(IReadOnlyList<ViewerResponse> Items, string? NextCursor);
