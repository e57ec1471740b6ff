using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http.Json;

namespace Stories.Api.Infrastructure.Problems;

public static class ProblemHandling
{
    /// <summary>
    /// Every non-2xx answer is RFC 9457 problem+json carrying the trace id; binding failures
    /// (malformed JSON, wrong types) reach <see cref="ProblemExceptionHandler"/> so they become 400s
    /// with field errors instead of bodiless 400s.
    /// </summary>
    public static IHostApplicationBuilder AddProblemHandling(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Extensions.Remove("traceId");
            context.ProblemDetails.Extensions["trace_id"] = Activity.Current?.TraceId.ToHexString() ?? context.HttpContext.TraceIdentifier;
        });
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.Configure<JsonOptions>(options =>
        {
            options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            options.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
            options.SerializerOptions.MaxDepth = 32;
            // Letters of every language as UTF-8, not \uXXXX: the default escapes all but ASCII, which makes
            // a page of Cyrillic or CJK stories two to three times larger (and so its cache entry and events).
            // HTML-sensitive characters (< > & ' + `) stay escaped, as with the default.
            options.SerializerOptions.Encoder = JavaScriptEncoder.Create(UnicodeRanges.All);
        });
        return builder;
    }
}
