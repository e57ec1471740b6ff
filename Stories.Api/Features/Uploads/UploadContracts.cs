namespace Stories.Api.Features.Uploads;

/// <summary>What the client is about to upload. <see cref="FileName"/> is only a hint for the key's extension.</summary>
public sealed record PresignUploadRequest(string? ContentType, string? FileName, long? ContentLength);

/// <summary>
/// Where and how to upload: the client sends <see cref="Method"/> to <see cref="UploadUrl"/> with
/// exactly <see cref="Headers"/> before <see cref="ExpiresAt"/>, then creates a story with <see cref="MediaKey"/>.
/// </summary>
public sealed record PresignedUploadResponse(
    string UploadUrl, string MediaKey, string Method, IReadOnlyDictionary<string, string> Headers, DateTimeOffset ExpiresAt);
