using Stories.Data.Storage;

namespace Stories.Tests.Data;

/// <summary>Aspire's MinIO connection string, parsed without a server.</summary>
public sealed class StorageConnectionTests
{
    [Theory]
    [InlineData("Endpoint=http://minio:9000;AccessKey=user;SecretKey=secret", "http://minio:9000/")]
    [InlineData("Endpoint=minio:9000;AccessKey=user;SecretKey=secret", "http://minio:9000/")]
    [InlineData("Endpoint=minio:9000;AccessKey=user;SecretKey=secret;UseSsl=true", "https://minio:9000/")]
    [InlineData("Endpoint=http://minio:9000;AccessKey=user;SecretKey=secret;UseSsl=true", "https://minio:9000/")]
    [InlineData("Endpoint=https://s3.example.com/ignored/path;AccessKey=user;SecretKey=secret;UseSsl=false", "http://s3.example.com/")]
    public void EndpointSchemeFollowsUseSslWhenGiven(string connectionString, string expected)
    {
        var connection = StorageConnection.Parse(connectionString);

        Assert.Equal(new Uri(expected), connection.Endpoint);
        Assert.Equal("user", connection.AccessKey);
        Assert.Equal("secret", connection.SecretKey);
    }

    [Theory]
    [InlineData(null, "is not set")]
    [InlineData("AccessKey=user;SecretKey=s3cr3t-value", "has no Endpoint")]
    [InlineData("Endpoint=http://minio:9000;SecretKey=s3cr3t-value", "has no AccessKey")]
    [InlineData("Endpoint=http://minio:9000;AccessKey=user", "has no SecretKey")]
    [InlineData("Endpoint=ftp://minio:21;AccessKey=user;SecretKey=s3cr3t-value", "is not an http(s) URL")]
    [InlineData("Endpoint=http://minio:9000;AccessKey=user;SecretKey=s3cr3t-value;UseSsl=maybe", "neither true nor false")]
    public void InvalidConnectionStringIsExplainedWithoutItsSecret(string? connectionString, string expected)
    {
        var error = Assert.Throws<InvalidOperationException>(() => StorageConnection.Parse(connectionString));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t-value", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToStringShowsTheEndpointOnly()
    {
        var connection = StorageConnection.Parse("Endpoint=http://minio:9000;AccessKey=user;SecretKey=s3cr3t-value");

        Assert.Equal("http://minio:9000/", connection.ToString());
    }
}
