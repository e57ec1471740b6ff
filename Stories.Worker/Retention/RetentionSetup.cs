using Microsoft.Extensions.DependencyInjection.Extensions;
using Stories.Data.Storage;

namespace Stories.Worker.Retention;

public static class RetentionSetup
{
    /// <summary>The retention clean-ups, their loop, and the object storage they delete from.</summary>
    public static IHostApplicationBuilder AddRetention(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.AddStoriesStorage();
        builder.Services.AddSingleton<IMediaStore, S3MediaStore>();
        // The metrics are shared with expiry: TryAdd keeps one.
        builder.Services.TryAddSingleton<WorkerMetrics>();
        builder.Services.AddSingleton<RetentionCleaner>();
        builder.Services.AddHostedService<RetentionService>();
        return builder;
    }
}
