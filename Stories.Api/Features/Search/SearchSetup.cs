namespace Stories.Api.Features.Search;

public static class SearchSetup
{
    /// <summary>The search's limits (statement timeout, candidates ranked).</summary>
    public static IHostApplicationBuilder AddSearch(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SearchOptions>().BindConfiguration(SearchOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        return builder;
    }
}
