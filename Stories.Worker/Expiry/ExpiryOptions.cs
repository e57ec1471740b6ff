using System.ComponentModel.DataAnnotations;

namespace Stories.Worker.Expiry;

public sealed class ExpiryOptions
{
    public const string SectionName = "Expiry";

    /// <summary>How often a sweep runs.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Rows expired per statement: each batch is its own short transaction, so locks are brief.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 5000;
}
