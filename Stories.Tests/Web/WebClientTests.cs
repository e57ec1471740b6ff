using Microsoft.Playwright;
using Stories.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Stories.Tests.Web;

/// <summary>
/// The reference client end to end in Chromium: two people, each in their own browser context, over
/// the real API, storage and event stream. Every wait is Playwright's bounded expectation (15 s).
/// </summary>
public sealed class WebClientTests(WebClientFixture web) : IClassFixture<WebClientFixture>
{
    [Fact]
    public async Task FollowerOpensAnImageStoryAndReactsWhileTheAuthorsOpenPageShowsBothLive()
    {
        var authorUser = await web.Api.SignUpAsync(Handle("author"));
        var author = await LogInAsync(authorUser);
        await author.Locator("#post-form textarea[name=text]").FillAsync("Harbour at dawn");
        await author.Locator("#post-form input[name=media]").SetInputFilesAsync(Path.Combine(AppContext.BaseDirectory, "Web", "harbour.png"));
        await author.GetByRole(AriaRole.Button, new() { Name = "Post", Exact = true }).ClickAsync();
        await Expect(author.Locator("#mine li")).ToContainTextAsync("Harbour at dawn");
        await Expect(author.Locator("#live-state")).ToContainTextAsync("Connected");

        var fanHandle = Handle("fan");
        var follower = await SignUpThroughThePageAsync(fanHandle);
        var ring = follower.Locator($".ring[data-author='{authorUser.Handle}']");
        await Expect(ring).ToBeVisibleAsync();
        await follower.ScreenshotAsync(new() { Path = Path.Combine(WebClientFixture.ScreenshotDirectory, "feed.png"), FullPage = true });
        await ring.ClickAsync();
        await Expect(follower.Locator("#viewer-text")).ToHaveTextAsync("Harbour at dawn");
        await follower.WaitForFunctionAsync("() => { const img = document.querySelector('#viewer-media img'); return img && img.complete && img.naturalWidth > 0; }");
        await follower.ScreenshotAsync(new() { Path = Path.Combine(WebClientFixture.ScreenshotDirectory, "story-viewer.png") });
        await follower.GetByRole(AriaRole.Button, new() { Name = $"Follow @{authorUser.Handle}" }).ClickAsync();
        await Expect(follower.GetByRole(AriaRole.Button, new() { Name = $"Unfollow @{authorUser.Handle}" })).ToBeVisibleAsync();
        await follower.GetByRole(AriaRole.Button, new() { Name = "React 🔥" }).ClickAsync();

        await Expect(follower.Locator("#viewer-note")).ToHaveTextAsync("You reacted 🔥");
        var naturalWidth = await follower.Locator("#viewer-media img").EvaluateAsync<int>("img => img.naturalWidth");
        Assert.Equal(160, naturalWidth);
        var live = author.Locator("#live");
        await Expect(live).ToContainTextAsync($"@{fanHandle} viewed your story");
        await Expect(live).ToContainTextAsync($"@{fanHandle} reacted 🔥");
        await Expect(author.Locator("#mine li").First).ToContainTextAsync("1 view");
        await author.ScreenshotAsync(new() { Path = Path.Combine(WebClientFixture.ScreenshotDirectory, "author-live.png"), FullPage = true });
    }

    [Fact]
    public async Task FriendsOnlyStoryIsAbsentFromANonFollowersPage()
    {
        var authorUser = await web.Api.SignUpAsync(Handle("author"));
        using var authorClient = web.Api.CreateClientFor(authorUser);
        await authorClient.CreateStoryIdAsync("For everyone");
        await authorClient.CreateStoryIdAsync("For my followers", visibility: "friends");

        var stranger = await LogInAsync(await web.Api.SignUpAsync(Handle("stranger")));
        await stranger.Locator($".ring[data-author='{authorUser.Handle}']").ClickAsync();

        await Expect(stranger.Locator("#viewer-text")).ToHaveTextAsync("For everyone");
        await Expect(stranger.Locator("#viewer-time")).ToContainTextAsync("1 of 1");
        await Expect(stranger.GetByText("For my followers")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task AFollowMadeElsewhereShowsAsUnfollowAndTheWeekChartCountsTodaysView()
    {
        var authorUser = await web.Api.SignUpAsync(Handle("author"));
        var viewerUser = await web.Api.SignUpAsync(Handle("viewer"));
        using var authorClient = web.Api.CreateClientFor(authorUser);
        using var viewerClient = web.Api.CreateClientFor(viewerUser);
        var story = await authorClient.CreateStoryIdAsync("Counted today");
        await viewerClient.FollowAsync(authorUser.Id);
        await viewerClient.PostAsync($"/stories/{story}/view", null);
        var today = DateOnly.FromDateTime(web.Api.Clock.GetUtcNow().UtcDateTime).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        // A fresh browser context knows nothing but what the API says.
        var viewer = await LogInAsync(viewerUser);
        await viewer.Locator($".ring[data-author='{authorUser.Handle}']").ClickAsync();
        var author = await LogInAsync(authorUser);

        await Expect(viewer.GetByRole(AriaRole.Button, new() { Name = $"Unfollow @{authorUser.Handle}" })).ToBeVisibleAsync();
        var chart = author.Locator("#stats svg.chart");
        await Expect(chart).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex($"{today}: 1 views, 0 reactions, 1 posted$"));
        await Expect(chart.Locator("rect.views")).ToHaveCountAsync(7);
    }

    internal static string Handle(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..20];

    private Task<IPage> LogInAsync(TestUser user) => LogInAsync(web, user);

    internal static async Task<IPage> LogInAsync(WebClientFixture web, TestUser user)
    {
        var page = await web.OpenPageAsync();
        await page.GetByLabel("Email").FillAsync(user.Email);
        await page.GetByLabel("Password").FillAsync(user.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Expect(page.Locator("#who")).ToHaveTextAsync($"@{user.Handle}");
        return page;
    }

    private async Task<IPage> SignUpThroughThePageAsync(string handle)
    {
        var page = await web.OpenPageAsync();
        await page.GetByLabel("Email").FillAsync(ApiTestExtensions.UniqueEmail("fan"));
        await page.GetByLabel("Password").FillAsync("correct horse battery");
        await page.GetByLabel("Handle").FillAsync(handle);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign up" }).ClickAsync();
        await Expect(page.Locator("#who")).ToHaveTextAsync($"@{handle}");
        return page;
    }
}
