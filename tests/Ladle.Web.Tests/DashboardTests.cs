using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ladle.Web.Tests;

/// <summary>The metric explorer, a dashboard and its embeds in a real browser, reading the numbers each chart drew.</summary>
[Collection(DashboardWebCollection.Name)]
public sealed class DashboardTests(DashboardWebFixture web)
{
    private async Task SignInAsync(IPage page, string principal)
    {
        await page.GotoAsync("/signin");
        await page.GetByLabel("API token").FillAsync(web.Tokens[principal]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page).Not.ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signin"));
    }

    private static async Task<JsonElement> ChartAsync(ILocator chart)
    {
        await Expect(chart).ToHaveAttributeAsync("data-state", "drawn");
        return JsonDocument.Parse((await chart.GetAttributeAsync("data-chart"))!).RootElement;
    }

    private static decimal Number(JsonElement value) => value.ValueKind == JsonValueKind.String
        ? decimal.Parse(value.GetString()!, CultureInfo.InvariantCulture) : value.GetDecimal();

    private async Task<string> EmbedTokenAsync(object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/embed/tokens") { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", web.Tokens["portal"]);
        using var response = await web.Server.Http.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    [Fact]
    public async Task A_metric_run_in_the_explorer_draws_its_numbers_and_explains_what_answered()
    {
        await using var browser = await web.Browser.OpenAsync(web.Url, nameof(A_metric_run_in_the_explorer_draws_its_numbers_and_explains_what_answered));
        var page = browser.Page;
        await SignInAsync(page, "root");
        await page.GotoAsync("/explore");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Metric explorer" })).ToBeVisibleAsync();
        await page.GetByLabel("sales", new() { Exact = true }).CheckAsync();
        await page.GetByLabel("region", new() { Exact = true }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Run" }).ClickAsync();

        var chart = await ChartAsync(page.Locator(".explorer-chart"));
        Assert.Equal("bar", chart.GetProperty("kind").GetString());
        var labels = chart.GetProperty("labels").EnumerateArray().Select(l => l.GetString()!).ToList();
        var values = chart.GetProperty("series")[0].GetProperty("values").EnumerateArray().Select(Number).ToList();
        Assert.Equal(["APAC", "EU", "US"], labels.Order(StringComparer.Ordinal));
        foreach (var (label, value) in labels.Zip(values)) Assert.Equal(DashboardWebFixture.SalesOf(region: label), value);
        await Expect(page.Locator(".explorer-table table")).ToContainTextAsync("APAC");

        // explain: what answered, the engine's SQL, and the same query for curl and SQL clients.
        await Expect(page.Locator(".answered-by")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^(query|rollup|cache)$"));
        await Expect(page.Locator(".engine-sql")).ToContainTextAsync("sales");
        await Expect(page.Locator(".curl")).ToContainTextAsync("/api/v1/metrics/query?metrics=sales&dimensions=region");
        await Expect(page.Locator(".client-sql")).ToContainTextAsync("MEASURE(sales)");
        await Expect(page.Locator(".client-sql")).ToContainTextAsync("FROM metrics.sales");

        // Over time: a line, one point per month.
        await page.GetByLabel("region", new() { Exact = true }).UncheckAsync();
        await page.GetByLabel("Grain", new() { Exact = true }).SelectOptionAsync("month");
        await page.GetByRole(AriaRole.Button, new() { Name = "Run" }).ClickAsync();
        await Expect(page.Locator(".explorer-chart")).ToHaveAttributeAsync("data-chart", new System.Text.RegularExpressions.Regex("\"kind\":\"line\""));
        var line = await ChartAsync(page.Locator(".explorer-chart"));
        Assert.Equal(6, line.GetProperty("labels").GetArrayLength());
        Assert.Equal(DashboardWebFixture.SalesOf(month: 3), Number(line.GetProperty("series")[0].GetProperty("values")[2]));
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("granularity=month"));
        await browser.ScreenshotAsync("explorer");
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task A_dashboard_draws_every_tile_with_its_kpis_against_the_previous_period()
    {
        await using var browser = await web.Browser.OpenAsync(web.Url, nameof(A_dashboard_draws_every_tile_with_its_kpis_against_the_previous_period));
        var page = browser.Page;
        await SignInAsync(page, "root");
        await page.GotoAsync("/dashboards");
        await page.GetByRole(AriaRole.Link, new() { Name = "Your sales" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your sales", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.Locator(".tile .tile-body[data-state=drawn]")).ToHaveCountAsync(5);

        var kpi = await ChartAsync(page.Locator("[data-tile=sales] .tile-body"));
        Assert.Equal(DashboardWebFixture.SalesOf(month: 5), Number(kpi.GetProperty("value")));
        Assert.Equal(DashboardWebFixture.SalesOf(month: 4), Number(kpi.GetProperty("previous")));
        var line = await ChartAsync(page.Locator("[data-tile=by_month] .tile-body"));
        Assert.Equal(["2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01", "2026-05-01", "2026-06-01"], line.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        await browser.ScreenshotAsync("dashboard");

        // The shared filter reaches every tile.
        await page.GetByLabel("Region", new() { Exact = true }).SelectOptionAsync("EU");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("filter=region%3Aeq%3AEU"));
        // The page is drawn anew: the bars show one region, and every tile read through the filter.
        await Expect(page.Locator("[data-tile=by_region] .tile-body")).ToHaveAttributeAsync("data-chart", new System.Text.RegularExpressions.Regex("\"labels\":\\[\"EU\"\\]"));
        var filtered = await ChartAsync(page.Locator("[data-tile=sales] .tile-body"));
        Assert.Equal(DashboardWebFixture.SalesOf(month: 5, region: "EU"), Number(filtered.GetProperty("value")));
        await browser.ScreenshotAsync("dashboard-filtered");
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task A_shared_filter_with_a_default_can_be_cleared_to_all()
    {
        await using var browser = await web.Browser.OpenAsync(web.Url, nameof(A_shared_filter_with_a_default_can_be_cleared_to_all));
        var page = browser.Page;
        await SignInAsync(page, "root");
        await page.GotoAsync("/dashboards/regional");
        await Expect(page.Locator("[data-tile=sales] .tile-body[data-state=drawn]")).ToHaveCountAsync(1);
        // Opened on its default.
        await Expect(page.GetByLabel("Region", new() { Exact = true })).ToHaveValueAsync("EU");
        Assert.Equal(DashboardWebFixture.SalesOf(month: 5, region: "EU"), Number((await ChartAsync(page.Locator("[data-tile=sales] .tile-body"))).GetProperty("value")));
        var eu = await page.Locator("[data-tile=sales] .kpi-value").GetAttributeAsync("data-value");

        await page.GetByLabel("Region", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = "All" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("filter=region%3Aall"));
        // Drawn anew over every region.
        await Expect(page.Locator("[data-tile=sales] .kpi-value")).Not.ToHaveAttributeAsync("data-value", eu!);
        Assert.Equal(DashboardWebFixture.SalesOf(month: 5), Number((await ChartAsync(page.Locator("[data-tile=sales] .tile-body"))).GetProperty("value")));
        await Expect(page.GetByLabel("Region", new() { Exact = true })).ToHaveValueAsync("");

        // The cleared filter is in the address: reloading keeps every region.
        await page.ReloadAsync();
        await Expect(page.Locator("[data-tile=sales] .tile-body[data-state=drawn]")).ToHaveCountAsync(1);
        await Expect(page.GetByLabel("Region", new() { Exact = true })).ToHaveValueAsync("");
        Assert.Equal(DashboardWebFixture.SalesOf(month: 5), Number((await ChartAsync(page.Locator("[data-tile=sales] .tile-body"))).GetProperty("value")));
        await browser.ScreenshotAsync("dashboard-filter-cleared");
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task An_embed_as_merchant_42_shows_only_its_numbers_and_its_csv_export_holds_only_its_rows()
    {
        var token = await EmbedTokenAsync(new { attributes = new { merchant_id = "42" }, dashboards = new[] { "merchant" }, export = true, ttl = "10m", theme = new { accent = "#b45309" } });
        await using var browser = await web.Browser.OpenAsync(web.Url, nameof(An_embed_as_merchant_42_shows_only_its_numbers_and_its_csv_export_holds_only_its_rows));
        var page = browser.Page;
        await page.GotoAsync($"/embed/dashboards/merchant#token={token}");
        await Expect(page.Locator("#embed")).ToHaveAttributeAsync("data-state", "drawn");

        var kpi = await ChartAsync(page.Locator("[data-tile=sales] .tile-body"));
        Assert.Equal(DashboardWebFixture.SalesOf(merchant: 42, month: 5), Number(kpi.GetProperty("value")));
        Assert.Equal(DashboardWebFixture.SalesOf(merchant: 42, month: 4), Number(kpi.GetProperty("previous")));
        var bars = await ChartAsync(page.Locator("[data-tile=by_region] .tile-body"));
        foreach (var (label, value) in bars.GetProperty("labels").EnumerateArray().Select(l => l.GetString()!).Zip(bars.GetProperty("series")[0].GetProperty("values").EnumerateArray()))
            Assert.Equal(DashboardWebFixture.SalesOf(merchant: 42, month: 5, region: label), Number(value));
        var table = await ChartAsync(page.Locator("[data-tile=rows] .tile-body"));
        Assert.All(table.GetProperty("rows").EnumerateArray(), r => Assert.Equal(42, r.GetProperty("merchant_id").GetInt64()));
        // The token's theme reached the page.
        Assert.Equal("#b45309", (await page.EvaluateAsync<string>("getComputedStyle(document.documentElement).getPropertyValue('--ladle-accent')")).Trim());
        await browser.ScreenshotAsync("embed-merchant-42");

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Export Sales by merchant and region as CSV" }).ClickAsync());
        var path = await download.PathAsync();
        var lines = (await File.ReadAllLinesAsync(path!)).Where(l => l.Length > 0).ToList();
        Assert.Equal("merchant_id,region,sales", lines[0]);
        Assert.True(lines.Count > 1);
        Assert.All(lines.Skip(1), l => Assert.StartsWith("42,", l, StringComparison.Ordinal));
        Assert.Equal(DashboardWebFixture.SalesOf(merchant: 42, month: 5), lines.Skip(1).Sum(l => decimal.Parse(l.Split(',')[2], CultureInfo.InvariantCulture)));
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task An_expired_embed_token_shows_nothing_and_offers_no_export()
    {
        var token = await EmbedTokenAsync(new { attributes = new { merchant_id = "42" }, dashboards = new[] { "merchant" }, export = true });
        var expired = ExpiredCopy(token);
        await using var browser = await web.Browser.OpenAsync(web.Url, nameof(An_expired_embed_token_shows_nothing_and_offers_no_export));
        browser.ExpectConsoleError("401");
        var page = browser.Page;
        await page.GotoAsync($"/embed/dashboards/merchant#token={expired}");
        await Expect(page.Locator("#embed")).ToHaveAttributeAsync("data-state", "refused");
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("expired");
        Assert.Equal(0, await page.Locator(".tile").CountAsync());
        Assert.Equal(0, await page.Locator(".tile-export").CountAsync());
        await browser.ScreenshotAsync("embed-expired");
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task A_single_chart_embed_draws_one_tile_and_tells_its_frame_its_height()
    {
        var token = await EmbedTokenAsync(new { attributes = new { merchant_id = "42" }, dashboards = new[] { "merchant" } });
        await using var browser = await web.Browser.OpenAsync(web.Url, nameof(A_single_chart_embed_draws_one_tile_and_tells_its_frame_its_height));
        var page = browser.Page;
        // A host page of another origin frames the chart and records what the frame tells it. It is served for real
        // from another loopback port under 'localhost' (the server is 127.0.0.1): another origin and site, but on the
        // same private network, which is what Chromium lets frame a loopback page without a permission prompt.
        var html = $$"""
            <!doctype html><html><body>
            <script>window.heights = []; addEventListener('message', e => { if (e.data && e.data.type === 'ladle:resize') { heights.push(e.data.height); document.querySelector('iframe').style.height = e.data.height + 'px'; } });</script>
            <iframe title="sales" style="width: 600px; border: 0" src="{{web.Url}}/embed/dashboards/merchant/tiles/by_month#token={{token}}"></iframe>
            </body></html>
            """;
        using var host = new HttpListener();
        var port = FreePort();
        host.Prefixes.Add($"http://localhost:{port}/");
        host.Start();
        var serving = Task.Run(async () =>
        {
            var context = await host.GetContextAsync();
            context.Response.ContentType = "text/html; charset=utf-8";
            await context.Response.OutputStream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(html));
            context.Response.Close();
        });
        await page.GotoAsync($"http://localhost:{port}/");
        await serving;
        var frame = page.FrameLocator("iframe");
        await Expect(frame.Locator("#embed")).ToHaveAttributeAsync("data-state", "drawn");
        Assert.Equal(1, await frame.Locator(".tile").CountAsync());
        var line = await ChartAsync(frame.Locator("[data-tile=by_month] .tile-body"));
        Assert.Equal(DashboardWebFixture.SalesOf(merchant: 42, month: 2), Number(line.GetProperty("series")[0].GetProperty("values")[1]));
        await page.WaitForFunctionAsync("window.heights.length > 0 && window.heights[window.heights.length - 1] > 200");
        await browser.ScreenshotAsync("embed-single-chart");
        browser.AssertNoErrors();
    }

    private static int FreePort()
    {
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>The same claims signed with the server's key, expired a minute ago (past its 30 s of clock skew).</summary>
    private static string ExpiredCopy(string token)
    {
        static string Decode(string part) => System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(part.Replace('-', '+').Replace('_', '/').PadRight(part.Length + (4 - part.Length % 4) % 4, '=')));
        var payload = Decode(token.Split('.')[1]);
        var exp = JsonDocument.Parse(payload).RootElement.GetProperty("exp").GetInt64();
        var json = payload.Replace($"\"exp\":{exp}", $"\"exp\":{DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds()}", StringComparison.Ordinal);
        var bytes = System.Text.Encoding.UTF8.GetBytes(DashboardWebFixture.EmbedKey);
        var key = new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(bytes) { KeyId = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes))[..12].ToLowerInvariant() };
        return new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }
            .CreateToken(json, new Microsoft.IdentityModel.Tokens.SigningCredentials(key, "HS256"));
    }
}
