using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Stories.Resources;

namespace Stories.AppHost.Tests;

/// <summary>Which S3 server the graph uses: its own MinIO, or any other named by a connection string.</summary>
public sealed class StorageChoiceTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task WithoutAConnectionStringTheGraphRunsItsOwnMinioOnThePinnedQuayImage()
    {
        using var cancellation = new CancellationTokenSource(s_timeout);

        // Empty, rather than absent: a developer's user secrets must not decide this test.
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Stories_AppHost>(
            [$"ConnectionStrings:{ResourceNames.Storage}="], cancellation.Token);

        var minio = Assert.IsType<MinioResource>(builder.Resources.Single(r => r.Name == ResourceNames.Storage));
        var image = minio.Annotations.OfType<ContainerImageAnnotation>().Single();
        Assert.Equal(("quay.io", "minio/minio", "RELEASE.2025-09-07T16-13-09Z"), (image.Registry, image.Image, image.Tag));
    }

    [Fact]
    public async Task AMinioConnectionStringReplacesTheContainerWithThatServer()
    {
        using var cancellation = new CancellationTokenSource(s_timeout);
        const string s3 = "Endpoint=https://s3.eu-west-1.amazonaws.com;AccessKey=AKIAEXAMPLE;SecretKey=example-secret";

        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Stories_AppHost>(
            [$"ConnectionStrings:{ResourceNames.Storage}={s3}"], cancellation.Token);

        var storage = Assert.IsAssignableFrom<IResourceWithConnectionString>(builder.Resources.Single(r => r.Name == ResourceNames.Storage));
        Assert.IsNotType<MinioResource>(storage);
        Assert.DoesNotContain(builder.Resources.OfType<ContainerResource>(), r => r.Name == ResourceNames.Storage);
        Assert.DoesNotContain(builder.Resources, r => r.Name is "minio-user" or "minio-password");
        Assert.Equal(s3, await storage.GetConnectionStringAsync(cancellation.Token));
    }
}
