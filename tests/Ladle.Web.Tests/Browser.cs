using Microsoft.Playwright;

namespace Ladle.Web.Tests;

/// <summary>
/// Debian's Chromium (/usr/bin/chromium, or LADLE_TEST_CHROMIUM) driven by Playwright, headless and without a
/// sandbox (tests may run as root in a container). Playwright's own browser download is never used.
/// </summary>
public sealed class Browser : IAsyncDisposable
{
    public const string ExecutableVariable = "LADLE_TEST_CHROMIUM";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private Browser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        _browser = browser;
    }

    /// <summary>Where screenshots are kept: LADLE_TEST_ARTIFACTS, else the test project's TestResults/screenshots.</summary>
    public static string ScreenshotFolder { get; } = Environment.GetEnvironmentVariable("LADLE_TEST_ARTIFACTS") is { Length: > 0 } artifacts
        ? Path.Combine(artifacts, "screenshots")
        : Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "TestResults", "screenshots"));

    public static async Task<Browser> LaunchAsync()
    {
        var executable = Environment.GetEnvironmentVariable(ExecutableVariable) is { Length: > 0 } configured ? configured : "/usr/bin/chromium";
        if (!File.Exists(executable))
            throw new InvalidOperationException($"the browser tests need Chromium at {executable}: install Debian's 'chromium' package (./test.sh does) or set {ExecutableVariable}");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        Directory.CreateDirectory(ScreenshotFolder);
        return new Browser(playwright, browser);
    }

    /// <summary>A fresh browser profile (no cookies) on <paramref name="baseUrl"/>, for one test.</summary>
    public async Task<BrowserPage> OpenAsync(string baseUrl, string test)
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl, ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        return new BrowserPage(context, await context.NewPageAsync(), test);
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}

/// <summary>
/// One test's page: every console error and uncaught exception is recorded, and <see cref="AssertNoErrors"/> (the last
/// step of every test) fails the test on one it did not say it expects. Disposing never throws: a test that failed
/// earlier is reported with its own failure, not hidden behind the console errors that failure may have caused
/// (those are written to the test's output instead). <see cref="ScreenshotAsync"/> keeps a picture of each page.
/// </summary>
public sealed class BrowserPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly string _test;
    private readonly List<string> _errors = [];
    private readonly List<string> _expected = [];
    private bool _checked;

    internal BrowserPage(IBrowserContext context, IPage page, string test)
    {
        _context = context;
        _test = test;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type == "error") lock (_errors) _errors.Add($"console: {message.Text} ({message.Location})");
        };
        page.PageError += (_, error) => { lock (_errors) _errors.Add("uncaught: " + error); };
    }

    public IPage Page { get; }

    /// <summary>The browser profile's cookies (to look at the sign-in cookie's attributes).</summary>
    public Task<IReadOnlyList<BrowserContextCookiesResult>> CookiesAsync() => _context.CookiesAsync();

    /// <summary>Signs in on the sign-in page with <paramref name="token"/> (typed, then Enter) and waits for the catalog.</summary>
    public async Task SignInAsync(string token)
    {
        await Page.GotoAsync("/signin");
        await Page.GetByLabel("API token").FillAsync(token);
        await Page.GetByLabel("API token").PressAsync("Enter");
        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Catalog", Exact = true })).ToBeVisibleAsync();
    }

    /// <summary>A console error containing <paramref name="text"/> is part of what the test does (a refused sign-in's 401).</summary>
    public void ExpectConsoleError(string text) => _expected.Add(text);

    /// <summary>Saves a full-page screenshot as <c>{test}-{name}.png</c> under <see cref="Browser.ScreenshotFolder"/>.</summary>
    public async Task<string> ScreenshotAsync(string name)
    {
        var path = Path.Combine(Browser.ScreenshotFolder, $"{_test}-{name}.png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    /// <summary>The console errors nobody expected.</summary>
    public IReadOnlyList<string> UnexpectedErrors()
    {
        lock (_errors) return _errors.Where(e => !_expected.Any(x => e.Contains(x, StringComparison.Ordinal))).ToList();
    }

    /// <summary>Fails the test when the browser reported an error it did not expect.</summary>
    public void AssertNoErrors()
    {
        var errors = UnexpectedErrors();
        _checked = true;
        Assert.True(errors.Count == 0, $"the browser reported errors during {_test}:\n" + string.Join("\n", errors));
    }

    public async ValueTask DisposeAsync()
    {
        var errors = UnexpectedErrors();
        // Reached without AssertNoErrors: the test failed before its end (its own exception is on its way and must
        // not be replaced), so the errors only go to the output as a clue.
        if (!_checked && errors.Count > 0) Console.Error.WriteLine($"the browser reported errors during {_test} (which ended early):\n" + string.Join("\n", errors));
        await _context.DisposeAsync();
    }
}