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

    public static string PrefixFor(Guid userId) => $"{Root}{userId}/";

    public static string New(Guid userId, string extension) =>
        PrefixFor(userId) + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) + extension;
}
