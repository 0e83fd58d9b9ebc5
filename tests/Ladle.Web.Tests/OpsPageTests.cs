using System.Net;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ladle.Web.Tests;

/// <summary>The ops page in a real browser: everything for an admin, and no audit log for anyone else.</summary>
[Collection(WebCollection.Name)]
public sealed class OpsPageTests(WebProjectFixture web)
{
    [Fact]
    public async Task An_admin_sees_statuses_runs_incidents_schedules_and_searches_the_audit_log()
    {
        await using var browser = await web.Browser.OpenAsync(web.Url, nameof(An_admin_sees_statuses_runs_incidents_schedules_and_searches_the_audit_log));
        var page = browser.Page;
        await browser.SignInAsync(web.Tokens["root"]);
        await page.GetByRole(AriaRole.Link, new() { Name = "Ops", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Ops", Exact = true })).ToBeVisibleAsync();

        await Expect(page.Locator("table.statuses tbody tr")).ToHaveCountAsync(5);
        await Expect(page.Locator("table.statuses tr", new() { HasText = "stock" })).ToContainTextAsync("failed");
        await Expect(page.Locator("table.runs tr", new() { HasText = "stock" }).First).ToContainTextAsync("quarantined");
        await Expect(page.Locator("table.schedules tr", new() { HasText = "customers" })).ToContainTextAsync("0 3 * * *");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Open incidents" })).ToBeVisibleAsync();

        await page.GetByLabel("Principal").FillAsync("root");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search audit" }).ClickAsync();
        var entries = page.Locator("table.audit tbody tr");
        await Expect(entries.First).ToContainTextAsync("root");
        Assert.All(await page.Locator("table.audit tbody tr td:nth-child(2)").AllInnerTextsAsync(), p => Assert.Equal("root", p));
        await browser.ScreenshotAsync("ops-admin");
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task Someone_who_is_not_an_admin_sees_ops_without_the_audit_log()
    {
        await using var browser = await web.Browser.OpenAsync(web.Url, nameof(Someone_who_is_not_an_admin_sees_ops_without_the_audit_log));
        var page = browser.Page;
        var asked = new List<string>();
        page.Request += (_, request) => asked.Add(new Uri(request.Url).AbsolutePath);
        await browser.SignInAsync(web.Tokens["alice"]);
        await page.GotoAsync("/ops");
        await Expect(page.Locator("table.runs")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Audit" })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Syncs" })).ToHaveCountAsync(0);
        Assert.DoesNotContain("/api/v1/audit", asked);
        await browser.ScreenshotAsync("ops-analyst");

        // Nor does her sign-in cookie open it from the page's origin: the API refuses, as it does her token.
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = new Uri(web.Url) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/audit");
        request.Headers.Add("Cookie", "ladle_session=" + (await browser.CookiesAsync()).Single(c => c.Name == "ladle_session").Value);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        browser.AssertNoErrors();
    }
}
