namespace Stories.Api.Infrastructure.Http;

/// <summary>
/// 200 with a body that is already JSON, serialized earlier with the API's own options (a cached
/// answer): written as it is, with the headers <c>TypedResults.Ok</c> would send for the same value.
/// The endpoint's OpenAPI schema comes from the <c>Ok&lt;T&gt;</c> it is declared next to.
/// </summary>
public sealed class Utf8JsonResult(ReadOnlyMemory<byte> json) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = json.Length;
        await response.BodyWriter.WriteAsync(json, httpContext.RequestAborted);
    }
}
