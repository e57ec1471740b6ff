using System.ComponentModel.DataAnnotations;

namespace Stories.Api.Features.Stories;

public sealed class StoryOptions
{
    public const string SectionName = "Stories";

    /// <summary>
    /// How long a story lives: <c>expires_at = created_at + Ttl</c>. Lifetimes under a minute are for
    /// demos and the Aspire tests, which watch the worker expire a story.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:10", "7.00:00:00")]
    public TimeSpan Ttl { get; set; } = TimeSpan.FromHours(24);

    [Range(1, 10_000)]
    public int MaxTextLength { get; set; } = 2200;

    /// <summary>The longest close-friends list one story may carry.</summary>
    [Range(1, 10_000)]
    public int MaxAudience { get; set; } = 1000;

    /// <summary>How long an <c>Idempotency-Key</c> is remembered.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan IdempotencyKeyLifetime { get; set; } = TimeSpan.FromHours(24);
}
