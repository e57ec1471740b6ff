using System.Net;
using Microsoft.AspNetCore.Mvc;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Stories.Api.Infrastructure.RateLimiting;

public static class RateLimiting
{
    /// <summary>Binds and validates each policy's numbers (<c>RateLimits:&lt;policy&gt;</c>) over its defaults.</summary>
    public static IHostApplicationBuilder AddRateLimits(this IHostApplicationBuilder builder)
    {
        foreach (var policy in RateLimitPolicy.All)
        {
            builder.Services.AddOptions<RateLimitOptions>(policy.Name)
                .Configure(limit => limit.PermitsPerMinute = policy.DefaultPermitsPerMinute)
                .BindConfiguration(policy.SectionName)
                .ValidateDataAnnotations()
                .ValidateOnStart();
        }

        builder.Services.AddSingleton<TokenBuckets>();
        return builder;
    }

    /// <summary>Every request to this endpoint takes a token from the policy's bucket, before the body is read.</summary>
    public static TBuilder RequireRateLimit<TBuilder>(this TBuilder builder, RateLimitPolicy policy) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(policy);

    /// <summary>
    /// Decides for endpoints that carry a <see cref="RateLimitPolicy"/>. Goes after authorization, so
    /// the caller's user id is known (and an unauthenticated request has already been refused without
    /// spending anyone's tokens), and before the endpoint, so a refused request is never bound or run.
    /// </summary>
    public static IApplicationBuilder UseRateLimits(this IApplicationBuilder app) => app.UseMiddleware<RateLimitMiddleware>();
}

internal sealed class RateLimitMiddleware(RequestDelegate next, TokenBuckets buckets, IProblemDetailsService problems)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<RateLimitPolicy>() is not { } policy || PartitionOf(context, policy) is not { } partition)
        {
            await next(context);
            return;
        }

        var decision = await buckets.TakeAsync(policy, partition);
        // On every answer of a limited route, set as it starts: the exception handler clears headers set earlier.
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers["RateLimit-Policy"] = $"\"{policy.Name}\";q={decision.Limit.Capacity};w={decision.Limit.WindowSeconds}";
            headers["RateLimit"] = $"\"{policy.Name}\";r={decision.Remaining};t={decision.ResetSeconds}";
            return Task.CompletedTask;
        });

        if (decision.Allowed)
        {
            await next(context);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = decision.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests.",
                Detail = $"The '{policy.Name}' limit allows {decision.Limit.Capacity} requests per {decision.Limit.WindowSeconds} s. Retry in {decision.RetryAfterSeconds} s.",
            },
        });
    }

    /// <summary>
    /// The bucket's owner. Behind a reverse proxy, <see cref="ConnectionInfo.RemoteIpAddress"/> is the
    /// proxy unless <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED</c> turns on ASP.NET Core's forwarded headers (README, "Platform").
    /// </summary>
    private static string? PartitionOf(HttpContext context, RateLimitPolicy policy) => policy.Key switch
    {
        RateLimitKey.User => context.User.FindFirst(JwtRegisteredClaimNames.Sub)?.Value,
        _ => context.Connection.RemoteIpAddress is { } ip ? (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString() : IPAddress.None.ToString(),
    };
}
