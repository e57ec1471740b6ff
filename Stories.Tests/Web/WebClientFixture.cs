using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Playwright;
using Stories.Tests.Infrastructure;
using Stories.Web;

namespace Stories.Tests.Web;

/// <summary>
/// The reference web client in a real browser: Stories.Web and the API each on a real socket, the
/// API with its own database and media bucket, and Debian's chromium driven by Playwright. The API
/// and the bucket allow exactly the web's origin, as the AppHost arranges it.
/// </summary>
public class WebClientFixture : IAsyncLifetime
{
    /// <summary>Where Debian's package puts it; <c>STORIES_CHROMIUM</c> names another.</summary>
    public static string ChromiumPath => Environment.GetEnvironmentVariable("STORIES_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private WebApplication? _web;
    private IPlaywright? _playwright;

    public StorageApiFactory Api { get; } = new();

    public IBrowser Browser { get; private set; } = null!;

    public string WebOrigin { get; private set; } = "";

    /// <summary>Screenshots for a person to look at, under the test output (git-ignored).</summary>
    public static string ScreenshotDirectory => Path.Combine(AppContext.BaseDirectory, "screenshots");

    public virtual async Task InitializeAsync()
    {
        // Never a skip: a missing browser is a broken test machine, and it says how to fix it.
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"Chromium is not at {ChromiumPath}. Run scripts/browser.sh (as root on Debian it installs the chromium package) or set STORIES_CHROMIUM to a Chromium binary.");
        }

        // The API must know the web's origin before it starts, and the web the API's address before it
        // serves /config.json: take a free port for the web first.
        WebOrigin = $"http://127.0.0.1:{FreePort()}";
        Api.WithSetting("Cors:Origins:0", WebOrigin);
        Api.WithSetting("Storage:CorsOrigins", WebOrigin);
        await Api.InitializeAsync();
        using var apiClient = Api.CreateClient();

        var webRoot = Path.Combine(RepositoryRoot.Path, "Stories.Web");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ContentRootPath = webRoot,
            WebRootPath = Path.Combine(webRoot, "wwwroot"),
            EnvironmentName = Environments.Production,
        });
        builder.WebHost.UseUrls(WebOrigin);
        builder.Configuration["Api:BaseAddress"] = apiClient.BaseAddress!.GetLeftPart(UriPartial.Authority);
        builder.AddWebClient();
        _web = builder.Build();
        _web.MapWebClient();
        await _web.StartAsync();

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        Assertions.SetDefaultExpectTimeout(15_000);
        Directory.CreateDirectory(ScreenshotDirectory);
    }

    /// <summary>A fresh browser profile (its own sessionStorage) on the client's page, ready to use.</summary>
    public async Task<IPage> OpenPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 420, Height = 900 } });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync(WebOrigin);
        await Assertions.Expect(page.Locator("body[data-ready=true]")).ToBeAttachedAsync();
        return page;
    }

    public virtual async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_web is not null)
        {
            await _web.DisposeAsync();
        }

        await Api.DisposeAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// Stories that live ten minutes, so that the clock can pass their expiry while the people's tokens
/// (an hour) stay valid; a fixture of its own, because moving the clock would age every other test's uploads.
/// </summary>
public sealed class ShortLivedStoriesWebFixture : WebClientFixture
{
    public static readonly TimeSpan StoryLifetime = TimeSpan.FromMinutes(10);

    public ShortLivedStoriesWebFixture() => Api.WithSetting("Stories:Ttl", StoryLifetime.ToString());
}
