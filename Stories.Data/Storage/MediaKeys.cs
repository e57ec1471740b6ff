using System.Security.Cryptography;

namespace Stories.Data.Storage;

/// <summary>
/// Object keys: <c>uploads/{user_id}/{random}{ext}</c>. The prefix ties an object to its uploader
/// (a story may only use its author's uploads); the random part is unguessable, so knowing a user
/// id reveals none of their objects.
/// </summary>
public static class MediaKeys
{
    public const string Root = "uploads/";

    /// <summary>
    /// How long after it was stored an upload may still back a new story. The worker deletes uploads no
    /// story references only once they are at least twice as old (<c>Retention:OrphanUploads</c> ≥ 2 h), so
    /// a story being created can never be left with its object deleted between its check and its commit.
    /// </summary>
    public static readonly TimeSpan AttachWindow = TimeSpan.FromHours(1);

    public static string PrefixFor(Guid userId) => $"{Root}{userId}/";

    public static string New(Guid userId, string extension) =>
        PrefixFor(userId) + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) + extension;
}
