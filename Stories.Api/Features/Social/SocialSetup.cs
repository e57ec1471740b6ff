namespace Stories.Api.Features.Social;

public static class SocialSetup
{
    /// <summary>The social graph's limits. Needs <c>AddCaching()</c> (a follow or a block invalidates two feeds).</summary>
    public static IHostApplicationBuilder AddSocial(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SocialOptions>().BindConfiguration(SocialOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        return builder;
    }
}
