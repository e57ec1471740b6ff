namespace Stories.Api.Features.Stories;

public static class StoriesSetup
{
    /// <summary>
    /// Creating, reading and interacting with stories, and the idempotency keys of creation. Needs
    /// <c>AddCaching()</c> (writers invalidate), <c>AddUploads()</c> (media is verified) and <c>AddEvents()</c>.
    /// </summary>
    public static IHostApplicationBuilder AddStories(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<StoryOptions>().BindConfiguration(StoryOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddScoped<StoryCreator>();
        builder.Services.AddScoped<IdempotencyKeys>();
        builder.Services.AddScoped<StoryReader>();
        builder.Services.AddScoped<StoryInteractions>();
        return builder;
    }
}
