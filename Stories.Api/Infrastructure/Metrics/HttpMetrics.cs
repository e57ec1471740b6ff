using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Stories.Api.Infrastructure.Metrics;

public static class HttpMetrics
{
    /// <summary>The route label of requests no endpoint matched: raw paths would let any client mint new series.</summary>
    public const string UnmatchedRoute = "unmatched";

    private static readonly HashSet<string> s_knownMethods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

    // Patterns live as long as their endpoints; each template string is built once.
    private static readonly ConditionalWeakTable<RoutePattern, string> s_templates = [];

    public static IHostApplicationBuilder AddApiMetrics(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ApiMetrics>();
        builder.Services.AddCountersAtZero<ApiMetrics>(metrics => metrics.StartAtZero());
        return builder;
    }

    /// <summary>
    /// Counts every answer as <c>http_requests_total{route,method,code}</c> and times it in
    /// <c>http_request_duration_seconds</c>. Put it first, so the exception handler's and the status-code
    /// pages' answers are counted with their real status.
    /// </summary>
    public static IApplicationBuilder UseHttpMetrics(this IApplicationBuilder app)
    {
        var metrics = app.ApplicationServices.GetRequiredService<ApiMetrics>();
        return app.Use((context, next) =>
        {
            var recorder = new Recorder(context, metrics, Stopwatch.GetTimestamp());
            // Recorded when the response starts, not after the pipeline returns: a client that has its
            // answer then sees it counted at its next scrape, and an event stream is timed to its first
            // byte rather than for its whole life.
            context.Response.OnStarting(static state => ((Recorder)state).RecordAsync(), recorder);
            return AwaitAsync(next(context), recorder);
        });
    }

    private static async Task AwaitAsync(Task pipeline, Recorder recorder)
    {
        try
        {
            await pipeline;
        }
        finally
        {
            // A response that never started (the client went away first) is still counted.
            await recorder.RecordAsync();
        }
    }

    private sealed class Recorder(HttpContext context, ApiMetrics metrics, long startedAt)
    {
        private int _recorded;

        public Task RecordAsync()
        {
            if (Interlocked.Exchange(ref _recorded, 1) == 0)
            {
                metrics.RequestAnswered(RouteOf(context), MethodOf(context.Request.Method), context.Response.StatusCode, Stopwatch.GetElapsedTime(startedAt));
            }

            return Task.CompletedTask;
        }
    }

    /// <summary>
    /// The matched endpoint's route template with parameter names only (<c>/stories/{id}</c>), never
    /// the raw path. The exception handler clears the endpoint before answering, so its feature is asked too.
    /// </summary>
    private static string RouteOf(HttpContext context)
    {
        var endpoint = context.GetEndpoint() ?? context.Features.Get<IExceptionHandlerFeature>()?.Endpoint;
        return endpoint is RouteEndpoint { RoutePattern: var pattern } ? s_templates.GetValue(pattern, Template) : UnmatchedRoute;
    }

    private static string Template(RoutePattern pattern)
    {
        if (pattern.PathSegments.Count == 0)
        {
            return "/";
        }

        var template = new System.Text.StringBuilder();
        foreach (var segment in pattern.PathSegments)
        {
            template.Append('/');
            foreach (var part in segment.Parts)
            {
                template.Append(part switch
                {
                    RoutePatternLiteralPart literal => literal.Content,
                    RoutePatternSeparatorPart separator => separator.Content,
                    RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
                    _ => "",
                });
            }
        }

        return template.ToString();
    }

    private static string MethodOf(string method) => s_knownMethods.Contains(method) ? method : "_OTHER";
}
