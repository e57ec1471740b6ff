using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Stories.Api.Infrastructure.Http;

public sealed class RequestLimitOptions
{
    public const string SectionName = "Http";

    /// <summary>The largest request body accepted, in bytes: every body is small JSON (media goes straight to storage).</summary>
    [Range(1024, 10 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 64 * 1024;
}

public static class RequestLimits
{
    /// <summary>Bodies over <see cref="RequestLimitOptions.MaxRequestBodyBytes"/> are refused by Kestrel with 413 before they are read.</summary>
    public static IHostApplicationBuilder AddRequestLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RequestLimitOptions>().BindConfiguration(RequestLimitOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<RequestLimitOptions>>((kestrel, limits) => kestrel.Limits.MaxRequestBodySize = limits.Value.MaxRequestBodyBytes);
        return builder;
    }
}
