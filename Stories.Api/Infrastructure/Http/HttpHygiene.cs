using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Options;

namespace Stories.Api.Infrastructure.Http;

public sealed class CorsOriginOptions
{
    public const string SectionName = "Cors";

    /// <summary>The origins the default front ends are served from in development.</summary>
    public static readonly IReadOnlyList<string> DefaultOrigins = ["http://localhost:3000", "http://localhost:5173"];

    /// <summary>
    /// Browser origins allowed to call the API (<c>Cors:Origins:0</c>, …). Empty means
    /// <see cref="DefaultOrigins"/>: configuration binding appends to a pre-filled array instead of replacing it.
    /// </summary>
    public string[] Origins { get; set; } = [];

    public IReadOnlyList<string> EffectiveOrigins => Origins.Length > 0 ? Origins : DefaultOrigins;

    /// <summary>An origin is a scheme, a host and an optional port — nothing after (a trailing slash never matches).</summary>
    public bool AreValid => EffectiveOrigins.All(origin =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && origin == uri.GetLeftPart(UriPartial.Authority));
}

public static class HttpHygiene
{
    /// <summary>
    /// CORS for the configured origins only. Tokens travel in the <c>Authorization</c> header, never in
    /// cookies, so credentials stay off; the headers a client needs to read (<c>Location</c>, the rate-limit
    /// fields) are exposed.
    /// </summary>
    public static IHostApplicationBuilder AddHttpHygiene(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<CorsOriginOptions>().BindConfiguration(CorsOriginOptions.SectionName)
            .Validate(origins => origins.AreValid, "Cors:Origins must be origins such as https://app.example.com: scheme, host and port, no path or trailing slash.")
            .ValidateOnStart();
        builder.Services.AddCors();
        builder.Services.AddOptions<CorsOptions>().Configure<IOptions<CorsOriginOptions>>((cors, origins) => cors.AddDefaultPolicy(policy => policy
            .WithOrigins([.. origins.Value.EffectiveOrigins])
            .WithMethods(HttpMethods.Get, HttpMethods.Post, HttpMethods.Put, HttpMethods.Delete)
            .WithHeaders("Authorization", "Content-Type", "Idempotency-Key")
            .WithExposedHeaders("Location", "Retry-After", "RateLimit", "RateLimit-Policy", "Idempotent-Replayed")
            .SetPreflightMaxAge(TimeSpan.FromMinutes(10))));
        builder.Services.AddHsts(hsts => hsts.MaxAge = TimeSpan.FromDays(365));
        return builder;
    }

    /// <summary>
    /// Security headers on every answer, set as the response starts so that the exception handler's
    /// answers (which clear earlier headers) carry them too. The API serves JSON only, so its content
    /// policy forbids everything; the docs page (Scalar) runs an inline module script and its own bundle, so it is only kept out of frames.
    /// </summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(static (context, next) =>
    {
        context.Response.OnStarting(static state =>
        {
            var http = (HttpContext)state;
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.XFrameOptions = "DENY";
            headers.ContentSecurityPolicy = http.Request.Path.StartsWithSegments(OpenApi.ApiDocs.Path)
                ? "frame-ancestors 'none'"
                : "default-src 'none'; frame-ancestors 'none'";
            return Task.CompletedTask;
        }, context);
        return next(context);
    });
}
