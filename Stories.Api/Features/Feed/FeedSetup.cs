namespace Stories.Api.Features.Feed;

public static class FeedSetup
{
    /// <summary>The feed query and its page cache. Needs <c>AddStories()</c> (it reads stories) and <c>AddCaching()</c>.</summary>
    public static IHostApplicationBuilder AddFeed(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<FeedPageCache>();
        builder.Services.AddScoped<FeedQuery>();
        return builder;
    }
}
