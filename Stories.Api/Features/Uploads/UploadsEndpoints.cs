using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Stories.Api.Auth;
using Stories.Api.Infrastructure.RateLimiting;
using Stories.Data.Storage;

namespace Stories.Api.Features.Uploads;

public static class UploadsEndpoints
{
    public static IEndpointRouteBuilder MapUploads(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/upload").RequireAuthorization().WithTags("Uploads");

        group.MapPost("presigned", PresignAsync).WithName("PresignUpload").RequireRateLimit(RateLimitPolicy.Uploads);
        return app;
    }

    /// <summary>
    /// A URL to PUT one file straight to storage — the API never carries media bytes. The URL signs
    /// the type and the length, so storage itself refuses anything but the file described here, and
    /// the key is made here, under the caller's prefix, so the client never chooses a path.
    /// </summary>
    private static async Task<Results<Ok<PresignedUploadResponse>, ValidationProblem, ProblemHttpResult>> PresignAsync(
        PresignUploadRequest request, ClaimsPrincipal user, MediaStorage storage, IOptions<StorageOptions> options, TokenBuckets buckets,
        HttpResponse response, CancellationToken cancellationToken)
    {
        var errors = UploadValidation.Validate(request, options.Value, out var upload);
        if (upload is null)
        {
            return TypedResults.ValidationProblem(errors);
        }

        // The size budget is spent by the size asked for, which only the validated body tells.
        var kib = (upload.ContentLength + 1023) / 1024;
        var budget = await buckets.TakeAsync(RateLimitPolicy.UploadBytes, user.GetUserId().ToString(), kib);
        if (!budget.Allowed)
        {
            return TypedResults.Problem(response.TooManyRequests(RateLimitPolicy.UploadBytes, budget));
        }

        // A URL is no use if storage cannot take the bytes: say so now (503) rather than at the client's PUT.
        await storage.EnsureBucketAsync(cancellationToken);

        var key = MediaKeys.New(user.GetUserId(), upload.Extension);
        var presigned = storage.PresignUpload(key, upload.Type.ContentType, upload.ContentLength);
        var headers = new Dictionary<string, string>
        {
            ["Content-Type"] = upload.Type.ContentType,
            ["Content-Length"] = upload.ContentLength.ToString(CultureInfo.InvariantCulture),
        };
        return TypedResults.Ok(new PresignedUploadResponse(presigned.Url, key, "PUT", headers, presigned.ExpiresAt));
    }
}
