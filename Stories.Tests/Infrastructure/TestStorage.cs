using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Stories.Data.Storage;

namespace Stories.Tests.Infrastructure;

/// <summary>
/// The real S3 server as the tests' own hand reaches it, with the API's credentials: to look at or
/// plant objects behind the API's back and to remove a test bucket afterwards.
/// </summary>
public static class TestStorage
{
    public static StorageConnection Connection { get; } = StorageConnection.Parse(TestServices.Storage);

    /// <summary>A connection string in Aspire's format for the same server reached through <paramref name="endpoint"/>.</summary>
    public static string ConnectionStringVia(Uri endpoint) =>
        $"Endpoint={endpoint.GetLeftPart(UriPartial.Authority)};AccessKey={Connection.AccessKey};SecretKey={Connection.SecretKey}";

    public static AmazonS3Client CreateClient() => CreateClient(Connection.Endpoint);

    /// <summary>A client with the API's credentials for the S3 server reached through <paramref name="endpoint"/>.</summary>
    public static AmazonS3Client CreateClient(Uri endpoint) =>
        new(new BasicAWSCredentials(Connection.AccessKey, Connection.SecretKey), new AmazonS3Config
        {
            ServiceURL = endpoint.GetLeftPart(UriPartial.Authority),
            UseHttp = endpoint.Scheme == Uri.UriSchemeHttp,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });

    public static async Task<bool> BucketExistsAsync(string bucket)
    {
        using var s3 = CreateClient();
        try
        {
            await s3.HeadBucketAsync(new HeadBucketRequest { BucketName = bucket });
            return true;
        }
        catch (AmazonS3Exception exception) when (exception.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>Stores an object directly, as nothing but the API's own credentials could.</summary>
    public static async Task PutObjectAsync(string bucket, string key, string contentType, byte[] body)
    {
        using var s3 = CreateClient();
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentType = contentType, InputStream = new MemoryStream(body) });
    }

    /// <summary>Deletes every object of the bucket, then the bucket; a bucket that never came to be is fine.</summary>
    public static async Task DeleteBucketAsync(string bucket)
    {
        using var s3 = CreateClient();
        try
        {
            ListObjectsV2Response page;
            do
            {
                page = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket });
                foreach (var item in page.S3Objects ?? [])
                {
                    await s3.DeleteObjectAsync(bucket, item.Key);
                }
            }
            while (page.IsTruncated == true);

            await s3.DeleteBucketAsync(bucket);
        }
        catch (AmazonS3Exception exception) when (exception.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            // Never created.
        }
    }
}
