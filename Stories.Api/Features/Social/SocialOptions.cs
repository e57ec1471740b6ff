using System.ComponentModel.DataAnnotations;

namespace Stories.Api.Features.Social;

public sealed class SocialOptions
{
    public const string SectionName = "Social";

    /// <summary>
    /// The most users one user may follow. It bounds the friend ids a feed miss reads and caches, and
    /// the follow-spam one account can do. Checked in the follow's own statement, so concurrent follows
    /// of one user may pass it by as many as are in flight at once.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxFollowees { get; set; } = 5000;
}
