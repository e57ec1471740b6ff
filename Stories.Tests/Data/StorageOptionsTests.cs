using System.ComponentModel.DataAnnotations;
using Stories.Data.Storage;

namespace Stories.Tests.Data;

/// <summary>The storage options the API refuses to start with (they are validated on start).</summary>
public sealed class StorageOptionsTests
{
    [Fact]
    public void DefaultsAreValidAndMatchTheIssue()
    {
        var options = new StorageOptions();

        Assert.Empty(Validate(options));
        Assert.Equal(["image/jpeg", "image/png", "image/webp", "image/gif", "video/mp4", "video/quicktime", "video/webm"], options.AllowedContentTypeList());
        Assert.Equal(10 * 1024 * 1024, options.MaxBytesFor(MediaKind.Image));
        Assert.Equal(100 * 1024 * 1024, options.MaxBytesFor(MediaKind.Video));
        Assert.Equal(TimeSpan.FromMinutes(10), options.UploadUrlLifetime);
        Assert.Equal(TimeSpan.FromMinutes(5), options.DownloadUrlLifetime);
    }

    [Theory]
    [InlineData(nameof(StorageOptions.AllowedContentTypes), "image/png,application/pdf")]
    [InlineData(nameof(StorageOptions.AllowedContentTypes), " , ")]
    [InlineData(nameof(StorageOptions.PublicEndpoint), "localhost:9000")]
    [InlineData(nameof(StorageOptions.PublicEndpoint), "http://localhost:9000/storage")]
    [InlineData(nameof(StorageOptions.CorsOrigins), "https://app.example.com,*")]
    [InlineData(nameof(StorageOptions.UploadUrlLifetime), "00:15:01")]
    [InlineData(nameof(StorageOptions.DownloadUrlLifetime), "00:10:01")]
    [InlineData(nameof(StorageOptions.Bucket), "Stories_Media")]
    public void OutOfRangeSettingIsRefused(string setting, string value)
    {
        var options = new StorageOptions();
        var property = typeof(StorageOptions).GetProperty(setting)!;
        property.SetValue(options, property.PropertyType == typeof(TimeSpan) ? TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : value);

        var errors = Validate(options);

        Assert.Contains(errors, error => error.MemberNames.Contains(setting));
    }

    [Fact]
    public void ASubsetOfKnownTypesMayBeAllowed()
    {
        var options = new StorageOptions { AllowedContentTypes = "image/png, video/mp4" };

        Assert.Empty(Validate(options));
        Assert.NotNull(options.Allowed("video/mp4"));
        Assert.Null(options.Allowed("image/jpeg"));
    }

    private static List<ValidationResult> Validate(StorageOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
