namespace Stories.Worker.Retention;

/// <summary>
/// The little of object storage that retention needs. Kept apart from the S3 client so the shared
/// storage setup can replace <see cref="S3MediaStore"/> without touching the clean-ups.
/// </summary>
public interface IMediaStore
{
    /// <summary>Keys under <paramref name="prefix"/> last modified before <paramref name="olderThan"/>, read page by page.</summary>
    IAsyncEnumerable<string> ListObjectsAsync(string prefix, DateTimeOffset olderThan, CancellationToken cancellationToken);

    /// <summary>Deletes the objects (a missing one counts as deleted) and returns how many were deleted.</summary>
    Task<int> DeleteObjectsAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken);
}
