using System.ComponentModel.DataAnnotations;
using System.Data.Common;
using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;
using Stories.ServiceDefaults;

namespace Stories.Worker.Retention;

/// <summary>
/// <see cref="IMediaStore"/> over the S3 API (MinIO, Ceph RGW, S3, R2 alike). Deliberately small and
/// self-contained — options, client setup and the two calls in this one file — so that it can be
/// swapped for the shared storage client in <c>Stories.Data/Storage</c> when that lands.
/// </summary>
public sealed class S3MediaStore(IAmazonS3 s3, IOptions<MediaStoreOptions> options) : IMediaStore
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

public sealed class MediaStoreOptions
{
    public const string SectionName = "Storage";

    /// <summary>The bucket holding uploaded media.</summary>
    [Required]
    [RegularExpression("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    public string Bucket { get; set; } = "stories-media";
}

public static class S3MediaStoreSetup
{
    /// <summary>
    /// Registers <see cref="S3MediaStore"/> over <c>ConnectionStrings:minio</c>, the name and format
    /// Aspire injects: <c>Endpoint=http://host:port;AccessKey=…;SecretKey=…</c>.
    /// </summary>
    public static IHostApplicationBuilder AddS3MediaStore(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MediaStoreOptions>().BindConfiguration(MediaStoreOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IAmazonS3>(services =>
            CreateClient(services.GetRequiredService<IConfiguration>().GetConnectionString(ResourceNames.Storage)));
        builder.Services.AddSingleton<IMediaStore, S3MediaStore>();
        return builder;
    }

    /// <summary>An S3 client for a connection string of the form <c>Endpoint=http://host:port;AccessKey=…;SecretKey=…</c>.</summary>
    public static AmazonS3Client CreateClient(string? connectionString)
    {
        var parts = new DbConnectionStringBuilder { ConnectionString = connectionString ?? "" };
        string Part(string name) => parts.TryGetValue(name, out var value) && value is string { Length: > 0 } text
            ? text
            : throw new InvalidOperationException(
                $"ConnectionStrings:{ResourceNames.Storage} needs {name}: Endpoint=http://host:port;AccessKey=…;SecretKey=… " +
                $"(under Aspire it is injected; otherwise set ConnectionStrings__{ResourceNames.Storage}, see README, 'Configuration').");

        return new AmazonS3Client(
            new BasicAWSCredentials(Part("AccessKey"), Part("SecretKey")),
            new AmazonS3Config
            {
                ServiceURL = Part("Endpoint"),
                // MinIO and Ceph serve buckets as paths, not as DNS names.
                ForcePathStyle = true,
                AuthenticationRegion = "us-east-1",
                // AWSSDK 4 otherwise sends trailing CRC checksums in aws-chunked bodies, which
                // S3-compatible servers such as Ceph Pacific do not all accept.
                RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
                ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            });
    }
}
