using System.ComponentModel.DataAnnotations;

namespace Stories.Worker.Retention;

/// <summary>How long the worker keeps what the product no longer shows, and how it purges it.</summary>
public sealed class RetentionOptions
{
    public const string SectionName = "Retention";

    /// <summary>How long a soft-deleted story (expired or deleted by its author) is kept before it is purged with its views, reactions, audience and media.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00")]
    public TimeSpan Stories { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How long an <c>Idempotency-Key</c> is remembered; match the API's <c>Stories:IdempotencyKeyLifetime</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan IdempotencyKeys { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How old an uploaded object no story references must be before it is deleted: long enough
    /// that a client between its upload and its <c>POST /stories</c> never loses the file. At least
    /// twice <see cref="Data.Storage.MediaKeys.AttachWindow"/> (the API refuses older uploads), so a
    /// story being created never has its object deleted between its check and its commit.
    /// </summary>
    [Range(typeof(TimeSpan), "02:00:00", "365.00:00:00")]
    public TimeSpan OrphanUploads { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often the clean-ups run; they are cheap when there is nothing to do, but listing storage is not free.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Rows deleted per statement. Smaller than the expiry batch: each story also cascades to its views and reactions.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 1000;
}
