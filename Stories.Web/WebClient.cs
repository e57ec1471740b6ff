using Microsoft.Extensions.Options;

namespace Stories.Web;

/// <summary>Where the browser finds the API: <c>Api:BaseAddress</c>, or Aspire's service discovery for <c>api</c>.</summary>
public sealed class WebClientOptions
{
    public const string SectionName = "Api";

    public string? BaseAddress { get; set; }
}

public sealed record ClientConfig(string ApiBaseAddress);

public static class WebClient
{
    /// <summary>
    /// The reference client's settings. Under Aspire, <c>WithReference(api)</c> injects
    /// <c>services__api__http__0</c>; outside it <c>Api:BaseAddress</c> names the API. The browser reads
    /// the result from <c>/config.json</c>, so the static files never carry an address.
    /// </summary>
    public static IHostApplicationBuilder AddWebClient(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WebClientOptions>()
            .BindConfiguration(WebClientOptions.SectionName)
            .PostConfigure<IConfiguration>((options, configuration) =>
                options.BaseAddress ??= configuration["services:api:https:0"] ?? configuration["services:api:http:0"])
            .Validate(options => Uri.TryCreate(options.BaseAddress, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https",
                "Api:BaseAddress must be the API's absolute http(s) address (Aspire sets it through WithReference(api)).")
            .ValidateOnStart();
        return builder;
    }

    /// <summary>
    /// Static files and <c>/config.json</c>, with a content policy that lets the page talk only to
    /// itself, the API and the storage the API's presigned URLs point at.
    /// </summary>
    public static WebApplication MapWebClient(this WebApplication app)
    {
        app.Use(static (context, next) =>
        {
            context.Response.OnStarting(static state =>
            {
                var headers = ((HttpContext)state).Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                headers.XFrameOptions = "DENY";
                // Media and uploads go to storage at an address only the API knows, hence http(s): for img/media/connect.
                headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data: blob: http: https:; media-src 'self' blob: http: https:; connect-src 'self' http: https:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
                return Task.CompletedTask;
            }, context);
            return next(context);
        });
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            // No caching of the client itself: a reload always gets the current code.
            OnPrepareResponse = static file => file.Context.Response.Headers.CacheControl = "no-cache",
        });
        app.MapGet("/config.json", static (IOptions<WebClientOptions> options) =>
            TypedResults.Ok(new ClientConfig(options.Value.BaseAddress!.TrimEnd('/'))));
        return app;
    }
}
