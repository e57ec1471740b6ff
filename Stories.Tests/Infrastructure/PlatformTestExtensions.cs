using System.Net;

namespace Stories.Tests.Infrastructure;

public static class PlatformTestExtensions
{
    /// <summary>Scrapes <c>/metrics</c> without a token and parses the whole exposition strictly.</summary>
    public static async Task<PrometheusText> ScrapeAsync(this StoriesApiFactory factory)
    {
        using var client = factory.CreateClient();
        var response = await client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"/metrics answered {(int)response.StatusCode}: {text}");
        return PrometheusText.Parse(text);
    }

    /// <summary>The single value of a response header, or null.</summary>
    public static string? Header(this HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : null;

    /// <summary>Polls until <paramref name="condition"/> holds, failing the test with <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }
        }
    }

    /// <summary>The headers every answer carries, with the content security policy expected for this path.</summary>
    public static void AssertSecurityHeaders(this HttpResponseMessage response, string contentSecurityPolicy)
    {
        Assert.Equal("nosniff", response.Header("X-Content-Type-Options"));
        Assert.Equal("no-referrer", response.Header("Referrer-Policy"));
        Assert.Equal("DENY", response.Header("X-Frame-Options"));
        Assert.Equal(contentSecurityPolicy, response.Header("Content-Security-Policy"));
    }
}
