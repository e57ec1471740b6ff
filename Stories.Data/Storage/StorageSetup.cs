using Amazon.Runtime;
using Amazon.S3;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Stories.Resources;

namespace Stories.Data.Storage;

public static class StorageSetup
{
    /// <summary>
    /// Registers <see cref="StorageOptions"/>, an <see cref="IAmazonS3"/> over <c>ConnectionStrings:minio</c>
    /// (Aspire's MinIO format; any S3 server — MinIO, Ceph RGW, S3, R2 — speaks the same API), the
    /// <see cref="MediaStorage"/> built on it and a "storage" health check. Shared by the API and the worker.
    /// </summary>
    public static IHostApplicationBuilder AddStoriesStorage(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(services =>
            StorageConnection.Parse(services.GetRequiredService<IConfiguration>().GetConnectionString(ResourceNames.Storage)));
        builder.Services.AddSingleton<IAmazonS3>(services =>
        {
            var connection = services.GetRequiredService<StorageConnection>();
            return CreateClient(connection.Endpoint, connection, services.GetRequiredService<IOptions<StorageOptions>>().Value);
        });
        builder.Services.AddSingleton<MediaStorage>();
        builder.Services.AddHealthChecks().AddCheck<StorageHealthCheck>("storage");
        return builder;
    }

    /// <summary>
    /// An S3 client for one endpoint. Path-style addressing because MinIO and RGW serve buckets as
    /// paths (virtual-host buckets need wildcard DNS); a fixed signing region because those servers
    /// have none of their own. Short timeouts and a single retry make a storage outage fail the
    /// request quickly rather than hold it open.
    /// </summary>
    internal static AmazonS3Client CreateClient(Uri endpoint, StorageConnection connection, StorageOptions options) =>
        new(new BasicAWSCredentials(connection.AccessKey, connection.SecretKey), new AmazonS3Config
        {
            ServiceURL = endpoint.GetLeftPart(UriPartial.Authority),
            UseHttp = endpoint.Scheme == Uri.UriSchemeHttp,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            Timeout = options.RequestTimeout,
            ConnectTimeout = TimeSpan.FromSeconds(Math.Min(2, options.RequestTimeout.TotalSeconds)),
            MaxErrorRetry = 1,
            // SDK v4 adds CRC checksums to every upload by default; S3-compatible servers do not all
            // accept them. Checksums stay on where an operation requires one.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });
}
