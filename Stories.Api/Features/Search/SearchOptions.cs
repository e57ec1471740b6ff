using System.ComponentModel.DataAnnotations;

namespace Stories.Api.Features.Search;

public sealed class SearchOptions
{
    public const string SectionName = "Search";

    /// <summary>The longest the search query may run in PostgreSQL; past it the request answers 503.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan StatementTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How many matches, newest first, are ranked: a word in every story would otherwise rank them all
    /// for one request. Results past it are not found.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxCandidates { get; set; } = 1_000;
}
