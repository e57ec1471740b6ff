using Stories.Data.Storage;

namespace Stories.Api.Features.Uploads;

public static class UploadsSetup
{
    /// <summary>Checking uploaded media, and the media bucket. Needs <c>AddStoriesStorage()</c>.</summary>
    public static IHostApplicationBuilder AddUploads(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<MediaVerifier>();
        // The API owns the media bucket as it owns the schema: it creates it at startup, in the background.
        builder.Services.AddHostedService<BucketProvisioner>();
        return builder;
    }
}
