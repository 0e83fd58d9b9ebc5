using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ladle.Web.Tests;

/// <summary>Sign-in with an API token in a real browser: the cookie the server sets, where it leads, sign-out.</summary>
[Collection(WebCollection.Name)]
public sealed class SignInTests(WebProjectFixture web)
{
    [Fact]
    public async Task Signing_in_with_a_token_opens_the_catalog_and_signing_out_ends_it()
    {
        await using var browser = await web.Browser.OpenAsync(web.Url, nameof(Signing_in_with_a_token_opens_the_catalog_and_signing_out_ends_it));
        var page = browser.Page;

        await page.GotoAsync("/ops");
        await Expect(page).ToHaveURLAsync(web.Url + "/signin?next=%2Fops");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to Ladle" })).ToBeVisibleAsync();
        await browser.ScreenshotAsync("signin");

        await page.GetByLabel("API token").FillAsync(web.Tokens["alice"]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // Back where the reader was going, signed in as alice.
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Ops", Exact = true })).ToBeVisibleAsync();
        await Expect(page).ToHaveURLAsync(web.Url + "/ops");
        await Expect(page.Locator("#who")).ToContainTextAsync("alice");

        // A session's secret (not the token) is in an HTTP-only, SameSite=Strict cookie that the page's script cannot
        // read and that expires with the session.
        var cookie = (await browser.CookiesAsync()).Single(c => c.Name == "ladle_session");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.StartsWith("lds_", cookie.Value, StringComparison.Ordinal);
        Assert.NotEqual(web.Tokens["alice"], cookie.Value);
        Assert.True(cookie.Expires > DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Assert.DoesNotContain("ladle_session", await page.EvaluateAsync<string>("document.cookie"));

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to Ladle" })).ToBeVisibleAsync();
        Assert.DoesNotContain(await browser.CookiesAsync(), c => c.Name == "ladle_session");
        // Signed out means signed out: a page behind sign-in sends the reader back to sign in.
        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(web.Url + "/signin?next=%2F");
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task A_token_that_is_not_valid_is_refused_with_the_servers_reason()
    {
        await using var browser = await web.Browser.OpenAsync(web.Url, nameof(A_token_that_is_not_valid_is_refused_with_the_servers_reason));
        browser.ExpectConsoleError("401");
        var page = browser.Page;
        await page.GotoAsync("/signin");
        await page.GetByLabel("API token").FillAsync("ldl_000000000000_not-a-real-secret");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("token");
        await browser.ScreenshotAsync("refused");
        Assert.DoesNotContain(await browser.CookiesAsync(), c => c.Name == "ladle_session");
        await Expect(page).ToHaveURLAsync(web.Url + "/signin");
        browser.AssertNoErrors();
    }
}
