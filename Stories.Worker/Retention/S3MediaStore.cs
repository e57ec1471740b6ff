using System.Runtime.CompilerServices;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;
using Stories.Data.Storage;

namespace Stories.Worker.Retention;

/// <summary>
/// <see cref="IMediaStore"/> over the S3 API (MinIO, Ceph RGW, S3, R2 alike), on the storage client
/// and bucket the API uses (<c>Stories.Data/Storage</c>).
/// </summary>
public sealed class S3MediaStore(IAmazonS3 s3, IOptions<StorageOptions> options) : IMediaStore
{
    // S3 deletes at most 1000 keys per request.
    private const int MaxKeysPerDelete = 1000;

    public async IAsyncEnumerable<string> ListObjectsAsync(string prefix, DateTimeOffset olderThan, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new ListObjectsV2Request { BucketName = options.Value.Bucket, Prefix = prefix };
        ListObjectsV2Response page;
        do
        {
            page = await s3.ListObjectsV2Async(request, cancellationToken);
            // AWSSDK 4 leaves empty collections null.
            foreach (var item in page.S3Objects ?? [])
            {
                if (item.LastModified is { } modified && new DateTimeOffset(modified.ToUniversalTime(), TimeSpan.Zero) < olderThan)
                {
                    yield return item.Key;
                }
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);
    }

    public async Task<int> DeleteObjectsAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        var deleted = 0;
        foreach (var chunk in keys.Chunk(MaxKeysPerDelete))
        {
            var response = await s3.DeleteObjectsAsync(
                new DeleteObjectsRequest
                {
                    BucketName = options.Value.Bucket,
                    Objects = [.. chunk.Select(key => new KeyVersion { Key = key })],
                    // Only failures come back; the deleted count is the rest.
                    Quiet = true,
                },
                cancellationToken);
            var errors = response.DeleteErrors ?? [];
            deleted += chunk.Length - errors.Count;
            if (errors.Count > 0)
            {
                throw new InvalidOperationException(
                    $"Storage refused to delete {errors.Count} of {chunk.Length} objects, e.g. '{errors[0].Key}': {errors[0].Code} {errors[0].Message}");
            }
        }

        return deleted;
    }
}
