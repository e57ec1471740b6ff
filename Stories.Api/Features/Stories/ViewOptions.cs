using System.ComponentModel.DataAnnotations;

namespace Stories.Api.Features.Stories;

/// <summary>The <c>Views</c> section: how recorded views reach PostgreSQL (docs/decisions/0019-coalesced-view-commits.md).</summary>
public sealed class ViewOptions
{
    public const string SectionName = "Views";

    /// <summary>
    /// Whether concurrent views are written together, one statement and one commit per batch
    /// (<see cref="StoryViewWriter"/>); off, each view is its own insert, as before, so the two can be
    /// benchmarked side by side.
    /// </summary>
    public bool Coalesce { get; set; } = true;

    /// <summary>The most views one statement writes.</summary>
    [Range(1, 10_000, ErrorMessage = $"{SectionName}:{nameof(MaxBatch)} must be between {{1}} and {{2}}.")]
    public int MaxBatch { get; set; } = 64;

    /// <summary>
    /// How long a batch waits for more views after its first one. Zero adds no latency: a batch holds
    /// what queued while the previous one was being written.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01", ErrorMessage = $"{SectionName}:{nameof(Window)} must be between {{1}} and {{2}}.")]
    public TimeSpan Window { get; set; } = TimeSpan.Zero;
}
