using System.Net;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Uploads;

/// <summary>
/// Presigning spends a per-user budget of upload sizes (here 20 KiB in a row, refilled at 1 KiB a
/// minute): a URL for more than is left is refused, whatever the number of requests.
/// </summary>
public sealed class UploadBudgetTests(UploadBudgetTests.TwentyKib factory) : IClassFixture<UploadBudgetTests.TwentyKib>
{
    [Fact]
    public async Task AnUploadLargerThanTheSizeBudgetLeftIs429WithTheWaitForItsSize()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        factory.Clock.Freeze();
        try
        {
            var first = await client.PostJsonAsync("/upload/presigned", Upload(15 * 1024));
            var tooLarge = await client.PostJsonAsync("/upload/presigned", Upload(10 * 1024));
            var fits = await client.PostJsonAsync("/upload/presigned", Upload(5 * 1024));

            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            var problem = await tooLarge.AssertProblemAsync(HttpStatusCode.TooManyRequests);
            Assert.Contains("'upload_kib'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            // 5 KiB are left: the other 5 take five minutes at 1 KiB a minute.
            Assert.Equal("300", tooLarge.Header("Retry-After"));
            Assert.Equal(HttpStatusCode.OK, fits.StatusCode);
        }
        finally
        {
            factory.Clock.Resume();
        }
    }

    private static object Upload(long bytes) => new { content_type = "image/png", file_name = "budget.png", content_length = bytes };

    public sealed class TwentyKib : StoriesApiFactory
    {
        public TwentyKib()
        {
            WithSetting("RateLimits:upload_kib:PermitsPerMinute", "1");
            WithSetting("RateLimits:upload_kib:Burst", "20");
        }
    }
}
