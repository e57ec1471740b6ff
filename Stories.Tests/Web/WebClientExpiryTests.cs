using Microsoft.Playwright;
using Stories.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Stories.Tests.Web;

/// <summary>The reference client once the clock passes a story's expiry (stories live ten minutes here).</summary>
public sealed class WebClientExpiryTests(ShortLivedStoriesWebFixture web) : IClassFixture<ShortLivedStoriesWebFixture>
{
    [Fact]
    public async Task ExpiredStoryDisappearsFromThePage()
    {
        var authorUser = await web.Api.SignUpAsync(WebClientTests.Handle("author"));
        using var authorClient = web.Api.CreateClientFor(authorUser);
        await authorClient.CreateStoryIdAsync("Gone in ten minutes");
        var reader = await WebClientTests.LogInAsync(web, await web.Api.SignUpAsync(WebClientTests.Handle("reader")));
        var ring = reader.Locator($".ring[data-author='{authorUser.Handle}']");
        await Expect(ring).ToBeVisibleAsync();

        web.Api.Clock.Advance(ShortLivedStoriesWebFixture.StoryLifetime + TimeSpan.FromMinutes(1));
        await reader.GetByRole(AriaRole.Button, new() { Name = "Refresh" }).ClickAsync();

        await Expect(ring).ToHaveCountAsync(0);
        await Expect(reader.Locator("#feed-empty")).ToBeVisibleAsync();
    }
}
