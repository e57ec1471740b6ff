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
        builder.Services.AddOptions<ViewOptions>().BindConfiguration(ViewOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        // One writer whose loop runs as a hosted service: requests queue views, the loop writes them in batches.
        builder.Services.AddSingleton<StoryViewWriter>();
        builder.Services.AddHostedService(services => services.GetRequiredService<StoryViewWriter>());
        return builder;
    }
}
