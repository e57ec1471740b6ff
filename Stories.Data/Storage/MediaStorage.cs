using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Stories.Data.Storage;

/// <summary>An object as storage describes it.</summary>
public sealed record MediaObject(string? ContentType, long Length, DateTimeOffset StoredAt);

/// <summary>A presigned PUT, usable until <see cref="ExpiresAt"/>.</summary>
public sealed record PresignedUpload(string Url, DateTimeOffset ExpiresAt);

/// <summary>
/// The media bucket over the S3 API. Calls that cross the network go through <see cref="IAmazonS3"/>
/// on the internal endpoint and turn every storage failure into <see cref="StorageUnavailableException"/>.
/// Presigning never crosses the network: it is an HMAC over the request, made with a second client
/// whose endpoint is <see cref="StorageOptions.PublicEndpoint"/>, because the signature covers the
/// host the client will connect to.
/// </summary>
public sealed partial class MediaStorage : IDisposable
{
    private readonly IAmazonS3 _s3;
    private readonly AmazonS3Client _presigner;
    private readonly Protocol _publicProtocol;
    private readonly StorageOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<MediaStorage> _logger;
    private readonly SemaphoreSlim _provisioning = new(1, 1);
    private volatile bool _provisioned;

    public MediaStorage(IAmazonS3 s3, StorageConnection connection, IOptions<StorageOptions> options, TimeProvider time, ILogger<MediaStorage> logger)
    {
        _s3 = s3;
        _options = options.Value;
        _time = time;
        _logger = logger;
        var publicEndpoint = _options.PublicEndpoint is { } configured ? new Uri(configured) : connection.Endpoint;
        _presigner = StorageSetup.CreateClient(publicEndpoint, connection, _options);
        _publicProtocol = publicEndpoint.Scheme == Uri.UriSchemeHttps ? Protocol.HTTPS : Protocol.HTTP;
    }

    public string Bucket => _options.Bucket;

    /// <summary>
    /// Proves storage answers and the bucket exists. The first success creates the bucket if it is
    /// missing and applies CORS; after that it is one HEAD, which is also how a caller learns — before
    /// handing out an upload URL — that storage is down.
    /// </summary>
    public async Task EnsureBucketAsync(CancellationToken cancellationToken)
    {
        if (_provisioned)
        {
            if (await BucketExistsAsync(cancellationToken))
            {
                return;
            }

            // Someone removed the bucket behind our back: make it again.
            _provisioned = false;
        }

        await _provisioning.WaitAsync(cancellationToken);
        try
        {
            if (!_provisioned)
            {
                await ProvisionAsync(cancellationToken);
                _provisioned = true;
            }
        }
        finally
        {
            _provisioning.Release();
        }
    }

    /// <summary>What storage holds under <paramref name="key"/>, or null when nothing was uploaded there.</summary>
    public async Task<MediaObject?> HeadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var metadata = await _s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Bucket, Key = key }, cancellationToken);
            return new MediaObject(metadata.Headers.ContentType, metadata.Headers.ContentLength, new DateTimeOffset(DateTime.SpecifyKind(metadata.LastModified ?? DateTime.MinValue, DateTimeKind.Utc)));
        }
        // A HEAD has no body to say why, so a refusal about this key reads as a status alone: 404, or 403
        // where the credentials may not list the bucket (S3 hides a missing key so), or 400 for a key
        // storage will not look up (over 1,024 bytes of UTF-8, say). None is an outage: the client sent
        // a key with nothing usable behind it.
        catch (AmazonS3Exception exception) when (exception.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden or HttpStatusCode.BadRequest)
        {
            return null;
        }
        catch (Exception exception) when (IsUnavailable(exception, cancellationToken))
        {
            throw new StorageUnavailableException(exception);
        }
    }

    /// <summary>
    /// A PUT URL that signs <c>Content-Type</c> and <c>Content-Length</c> (the SDK signs a header only
    /// when it is set on the request), so storage itself refuses another type or size.
    /// </summary>
    public PresignedUpload PresignUpload(string key, string contentType, long contentLength)
    {
        var expiresAt = ExpiresAfter(_options.UploadUrlLifetime);
        var request = new GetPreSignedUrlRequest
        {
            BucketName = Bucket,
            Key = key,
            Verb = HttpVerb.PUT,
            ContentType = contentType,
            Expires = expiresAt.UtcDateTime,
            Protocol = _publicProtocol,
        };
        request.Headers.ContentLength = contentLength;
        return new PresignedUpload(_presigner.GetPreSignedURL(request), expiresAt);
    }

    /// <summary>A short-lived GET URL. Offline: feeds keep their media URLs while storage is down.</summary>
    public string PresignDownload(string key) =>
        _presigner.GetPreSignedURL(new GetPreSignedUrlRequest
        {
            BucketName = Bucket,
            Key = key,
            Verb = HttpVerb.GET,
            Expires = ExpiresAfter(_options.DownloadUrlLifetime).UtcDateTime,
            Protocol = _publicProtocol,
        });

    /// <remarks>
    /// The provisioning semaphore is left to the garbage collector: the host disposes this while the
    /// bucket provisioner may still be inside <see cref="EnsureBucketAsync"/> (a start that failed, e.g.
    /// Kestrel could not bind), whose <c>Release</c> must not then throw. A SemaphoreSlim whose wait handle
    /// was never asked for holds nothing that needs disposing.
    /// </remarks>
    public void Dispose() => _presigner.Dispose();

    /// <summary>
    /// True for what says "storage cannot serve us now": no connection, a timeout, or an error status
    /// from storage. A cancelled request is not an outage and is left alone.
    /// </summary>
    private static bool IsUnavailable(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        AmazonServiceException or AmazonClientException or HttpRequestException or IOException or SocketException or TimeoutException => true,
        _ => false,
    };

    /// <summary>
    /// Whole seconds, because SigV4 counts the lifetime in seconds from a signing time cut to the
    /// second: a fractional expiry would be rounded up past the configured lifetime.
    /// </summary>
    private DateTimeOffset ExpiresAfter(TimeSpan lifetime)
    {
        var now = _time.GetUtcNow();
        return new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero) + lifetime;
    }

    private async Task<bool> BucketExistsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _s3.HeadBucketAsync(new HeadBucketRequest { BucketName = Bucket }, cancellationToken);
            return true;
        }
        catch (AmazonS3Exception exception) when (exception.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        catch (Exception exception) when (IsUnavailable(exception, cancellationToken))
        {
            throw new StorageUnavailableException(exception);
        }
    }

    /// <summary>
    /// Creates the bucket unless it exists (looking first, so a pre-made bucket needs no create
    /// permission). Replicas starting together may both try: losing that race is success. The bucket
    /// gets no ACL and no policy, so it stays private; clients reach objects only by presigned URL.
    /// </summary>
    private async Task ProvisionAsync(CancellationToken cancellationToken)
    {
        if (!await BucketExistsAsync(cancellationToken))
        {
            try
            {
                await _s3.PutBucketAsync(new PutBucketRequest { BucketName = Bucket }, cancellationToken);
                LogBucketCreated(_logger, Bucket);
            }
            catch (AmazonS3Exception exception) when (exception.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
            {
                // Another replica created it between our look and our create.
            }
            catch (Exception exception) when (IsUnavailable(exception, cancellationToken))
            {
                throw new StorageUnavailableException(exception);
            }
        }

        await ApplyCorsAsync(cancellationToken);
    }

    /// <summary>
    /// Lets the configured browser origins PUT and GET directly. Servers without bucket CORS (MinIO's
    /// community edition answers NotImplemented) or keys without the permission only cost browsers
    /// direct uploads, so that is a log line, not a failure.
    /// </summary>
    private async Task ApplyCorsAsync(CancellationToken cancellationToken)
    {
        var origins = _options.CorsOriginList();
        if (origins.Count == 0)
        {
            return;
        }

        var rule = new CORSRule
        {
            AllowedOrigins = [.. origins],
            AllowedMethods = ["GET", "HEAD", "PUT"],
            AllowedHeaders = ["Content-Type", "Content-Length"],
            ExposeHeaders = ["ETag"],
            MaxAgeSeconds = 3600,
        };
        try
        {
            await _s3.PutCORSConfigurationAsync(
                new PutCORSConfigurationRequest { BucketName = Bucket, Configuration = new CORSConfiguration { Rules = [rule] } },
                cancellationToken);
            LogCorsApplied(_logger, Bucket, _options.CorsOrigins);
        }
        catch (AmazonS3Exception exception)
        {
            LogCorsRefused(_logger, Bucket, exception.ErrorCode, (int)exception.StatusCode);
        }
        catch (Exception exception) when (IsUnavailable(exception, cancellationToken))
        {
            throw new StorageUnavailableException(exception);
        }
    }

    [LoggerMessage(EventName = "bucket_created", Level = LogLevel.Information, Message = "media bucket created")]
    private static partial void LogBucketCreated(ILogger logger, string bucket);

    [LoggerMessage(EventName = "bucket_cors_applied", Level = LogLevel.Information, Message = "media bucket CORS applied")]
    private static partial void LogCorsApplied(ILogger logger, string bucket, string origins);

    [LoggerMessage(EventName = "bucket_cors_refused", Level = LogLevel.Warning, Message = "storage refused bucket CORS; browsers cannot upload directly")]
    private static partial void LogCorsRefused(ILogger logger, string bucket, string errorCode, int status);
}
