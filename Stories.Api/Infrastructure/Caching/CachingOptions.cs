using System.ComponentModel.DataAnnotations;

namespace Stories.Api.Infrastructure.Caching;

public sealed class CachingOptions
{
    public const string SectionName = "Caching";

    /// <summary>The longest <see cref="FeedTtl"/> allowed (its range's upper end).</summary>
    public static readonly TimeSpan MaxFeedTtl = TimeSpan.FromMinutes(2);

    /// <summary>Off, every read goes to the database (the caches are an optimisation, never a source of truth).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How long a user's first feed page is served from Redis; capped by the earliest expiry on the
    /// page. A cached page carries its presigned media URLs, so this stays well under their lifetime.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:02:00")]
    public TimeSpan FeedTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a user's friend ids (mutual follows) are kept in Redis.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan FriendsTtl { get; set; } = TimeSpan.FromMinutes(5);
}
