using System.Net;
using System.Net.Sockets;
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
                .Configure(limit => (limit.PermitsPerMinute, limit.Burst) = (policy.DefaultPermitsPerMinute, policy.DefaultBurst))
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
        context.Response.AddRateLimitHeaders(policy, decision);
        if (decision.Allowed)
        {
            await next(context);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = context.Response.TooManyRequests(policy, decision) });
    }

    /// <summary>
    /// The bucket's owner. Behind a reverse proxy, <see cref="ConnectionInfo.RemoteIpAddress"/> is the
    /// proxy unless <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED</c> turns on ASP.NET Core's forwarded headers (README, "Platform").
    /// </summary>
    private static string? PartitionOf(HttpContext context, RateLimitPolicy policy) => policy.Key switch
    {
        RateLimitKey.User => context.User.FindFirst(JwtRegisteredClaimNames.Sub)?.Value,
        RateLimitKey.ClientIp => ClientNetwork(context.Connection.RemoteIpAddress),
        _ => null,
    };

    /// <summary>
    /// An IPv4 client's address; an IPv6 client's /64. A subscriber is handed a /64 (or more) and may
    /// pick any of its 2^64 addresses, so a bucket per full address would be no limit at all.
    /// </summary>
    private static string ClientNetwork(IPAddress? address)
    {
        if (address is null)
        {
            return IPAddress.None.ToString();
        }

        if (address.IsIPv4MappedToIPv6 || address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.MapToIPv4().ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return $"{new IPAddress(bytes)}/64";
    }
}

/// <summary>How a limited route answers, whether the middleware or the endpoint itself (<see cref="RateLimitKey.Email"/>) took the token.</summary>
public static class RateLimitAnswers
{
    /// <summary>The IETF RateLimit fields, set as the response starts: the exception handler clears headers set earlier.</summary>
    public static void AddRateLimitHeaders(this HttpResponse response, RateLimitPolicy policy, RateLimitDecision decision) =>
        response.OnStarting(() =>
        {
            response.Headers["RateLimit-Policy"] = $"\"{policy.Name}\";q={decision.Limit.Capacity};w={decision.Limit.WindowSeconds}";
            response.Headers["RateLimit"] = $"\"{policy.Name}\";r={decision.Remaining};t={decision.ResetSeconds}";
            return Task.CompletedTask;
        });

    /// <summary>The 429 problem of a refused request; sets its <c>Retry-After</c>.</summary>
    public static ProblemDetails TooManyRequests(this HttpResponse response, RateLimitPolicy policy, RateLimitDecision decision)
    {
        response.Headers.RetryAfter = decision.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new ProblemDetails
        {
            Status = StatusCodes.Status429TooManyRequests,
            Title = "Too many requests.",
            Detail = decision.Tokens == 1
                ? $"The '{policy.Name}' limit allows {decision.Limit.Capacity} requests per {decision.Limit.WindowSeconds} s. Retry in {decision.RetryAfterSeconds} s."
                : $"The '{policy.Name}' limit allows {decision.Limit.Capacity} per {decision.Limit.WindowSeconds} s; this request needs {decision.Tokens}, {decision.Remaining} are left. Retry in {decision.RetryAfterSeconds} s.",
        };
    }
}
