namespace Stories.Api.Infrastructure.Caching;

public static class CachingSetup
{
    /// <summary>
    /// The caches' options and the one <see cref="CacheInvalidation"/> of the process (it keeps the bumps
    /// that could not reach Redis yet, so it is a singleton). Needs <c>AddStoriesRedis()</c>.
    /// </summary>
    public static IHostApplicationBuilder AddCaching(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<CachingOptions>().BindConfiguration(CachingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<CacheInvalidation>();
        return builder;
    }
}
