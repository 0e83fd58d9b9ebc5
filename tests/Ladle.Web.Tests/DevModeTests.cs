using Ladle.Server.Tests;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ladle.Web.Tests;

/// <summary>A server started with --dev opens the UI as the local user, without signing in.</summary>
[Collection(WebCollection.Name)]
public sealed class DevModeTests(WebProjectFixture web, RetailServerFixture retail) : IClassFixture<RetailServerFixture>
{
    [Fact]
    public async Task A_dev_server_opens_the_catalog_as_the_local_user_without_signing_in()
    {
        var url = retail.Http.BaseAddress!.ToString().TrimEnd('/');
        await using var browser = await web.Browser.OpenAsync(url, nameof(A_dev_server_opens_the_catalog_as_the_local_user_without_signing_in));
        var page = browser.Page;
        await page.GotoAsync("/");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Catalog" })).ToBeVisibleAsync();
        await Expect(page.Locator("#who")).ToContainTextAsync("local user (--dev)");
        await Expect(page.Locator(".dataset-card[data-dataset='orders']")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToHaveCountAsync(0);
        await browser.ScreenshotAsync("dev-catalog");

        // The keyboard reaches the content first: the skip link, then the navigation.
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Skip to content" })).ToBeFocusedAsync();
        browser.AssertNoErrors();
    }
}
