using System.ComponentModel.DataAnnotations;

namespace Stories.Data;

/// <summary>
/// The <c>Database</c> section: how the API and the worker use PostgreSQL. Validated at startup, so a
/// bad value stops the service with the setting named instead of failing its first query.
/// </summary>
public sealed class DatabaseOptions
{
    public const string SectionName = "Database";

    /// <summary>Connections one process keeps to PostgreSQL at most, unless configured otherwise.</summary>
    public const int DefaultMaxPoolSize = 20;

    /// <summary>Whether the API applies pending migrations at startup (safe with replicas, see <see cref="DataExtensions.MigrateExclusivelyAsync"/>).</summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>
    /// The cap on this process's connection pool, unless the connection string sets its own
    /// <c>Maximum Pool Size</c> (see <see cref="DataExtensions.GetConnectionString"/>).
    /// </summary>
    [Range(1, 1024, ErrorMessage = $"{SectionName}:{nameof(MaxPoolSize)} must be between {{1}} and {{2}}.")]
    public int MaxPoolSize { get; set; } = DefaultMaxPoolSize;
}
