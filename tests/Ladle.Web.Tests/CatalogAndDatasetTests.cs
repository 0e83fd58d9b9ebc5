using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ladle.Web.Tests;

/// <summary>The catalog and a dataset's page in a real browser, signed in as an analyst or an admin.</summary>
[Collection(WebCollection.Name)]
public sealed class CatalogAndDatasetTests(WebProjectFixture web)
{
    [Fact]
    public async Task Searching_the_catalog_by_a_column_finds_its_dataset_and_opens_its_page()
    {
        await using var browser = await web.Browser.OpenAsync(web.Url, nameof(Searching_the_catalog_by_a_column_finds_its_dataset_and_opens_its_page));
        var page = browser.Page;
        await browser.SignInAsync(web.Tokens["alice"]);
        await Expect(page.Locator(".dataset-card")).ToHaveCountAsync(5); // orders, customers, region_sales, top_region, stock
        await browser.ScreenshotAsync("catalog");

        await page.GetByLabel("Search datasets").FillAsync("customer_email");
        await page.GetByLabel("Search datasets").PressAsync("Enter");
        var hit = page.Locator(".dataset-card");
        await Expect(hit).ToHaveCountAsync(1);
        await Expect(hit).ToContainTextAsync("matched: column customer_email");
        await Expect(page).ToHaveURLAsync(web.Url + "/?q=customer_email");
        await browser.ScreenshotAsync("search");

        await page.GetByLabel("Search datasets").FillAsync("nothing-is-called-this");
        await page.GetByLabel("Search datasets").PressAsync("Enter");
        await Expect(page.Locator("#catalog-results")).ToContainTextAsync("No dataset you may see matches");

        await page.GetByLabel("Search datasets").FillAsync("crm-team");
        await page.GetByLabel("Search datasets").PressAsync("Enter");
        await page.GetByRole(AriaRole.Link, new() { Name = "customers", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("customers");
        await Expect(page).ToHaveURLAsync(web.Url + "/datasets/customers");
        // Back in history is the search as it was.
        await page.GoBackAsync();
        await Expect(page.Locator(".dataset-card")).ToHaveCountAsync(1);
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task A_datasets_page_shows_its_columns_status_checks_with_samples_slo_versions_lineage_and_snippets()
    {
        await using var browser = await web.Browser.OpenAsync(web.Url, nameof(A_datasets_page_shows_its_columns_status_checks_with_samples_slo_versions_lineage_and_snippets));
        var page = browser.Page;
        await browser.SignInAsync(web.Tokens["root"]);
        await page.GotoAsync("/datasets/orders");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("orders");
        await Expect(page.Locator("p.lead")).ToHaveTextAsync("One row per order placed in the web shop.");

        var columns = page.Locator("section[aria-labelledby='sec-columns']");
        await Expect(columns.Locator("tr", new() { HasText = "customer_email" })).ToContainTextAsync("pii");
        await Expect(columns.Locator("tr", new() { HasText = "amount" })).ToContainTextAsync("Order total in euros.");

        // The warn check fails on the one order with an unexpected status, and the admin sees that row as its sample.
        await Expect(page.Locator("#status-line")).ToContainTextAsync("warn");
        var check = page.Locator("li.check[data-check='known_status']");
        await Expect(check).ToContainTextAsync("fail");
        await Expect(check).ToContainTextAsync("1 of 120 rows fail");
        await Expect(check.Locator("table")).ToContainTextAsync("lost");
        await Expect(page.Locator("#slo")).ToContainTextAsync("Error budget left");
        await Expect(page.Locator("#slo meter")).ToHaveCountAsync(1);
        await Expect(page.Locator("table.versions")).ToContainTextAsync("published");

        // Lineage: what is built from orders, drawn as a graph whose nodes open their datasets.
        var graph = page.Locator(".lineage svg");
        await Expect(graph.Locator("a")).ToHaveCountAsync(2);
        await Expect(page.Locator("section[aria-labelledby='sec-lineage']")).ToContainTextAsync("Used by region_sales, top_region.");

        // Use it: curl by default; the Python tab shows the same request.
        await Expect(page.Locator("#snippet-curl code")).ToContainTextAsync("/api/v1/datasets/orders/rows?limit=20");
        await page.GetByRole(AriaRole.Tab, new() { Name = "Python" }).ClickAsync();
        await Expect(page.Locator("#snippet-python code")).ToContainTextAsync("requests.get(");
        await Expect(page.Locator("#snippet-curl")).ToBeHiddenAsync();
        await page.GetByRole(AriaRole.Tab, new() { Name = "SQL" }).ClickAsync();
        await Expect(page.Locator("#snippet-sql code")).ToContainTextAsync("SELECT * FROM retail.orders LIMIT 20");
        await browser.ScreenshotAsync("orders");

        await graph.Locator("a[aria-label^='region_sales']").ClickAsync();
        await Expect(page).ToHaveURLAsync(web.Url + "/datasets/region_sales");
        await Expect(page.Locator("section[aria-labelledby='sec-lineage']")).ToContainTextAsync("Built from orders.");
        await browser.ScreenshotAsync("region_sales");
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task The_preview_reads_rows_through_the_readers_policy_and_filters_them()
    {
        await using var browser = await web.Browser.OpenAsync(web.Url, nameof(The_preview_reads_rows_through_the_readers_policy_and_filters_them));
        var page = browser.Page;
        await browser.SignInAsync(web.Tokens["alice"]);
        await page.GotoAsync("/datasets/orders");
        var rows = page.Locator("table.rows tbody tr");
        await Expect(rows).ToHaveCountAsync(20);
        // alice has no PII clearance: the column is masked for her, in the page as in the API.
        await Expect(page.Locator("section[aria-labelledby='sec-columns'] tr", new() { HasText = "customer_email" })).ToContainTextAsync("masked for you (partial)");
        Assert.DoesNotContain("buyer1@example.com", await page.Locator("table.rows").InnerTextAsync());

        await page.GetByLabel("Column", new() { Exact = true }).SelectOptionAsync("region");
        await page.GetByLabel("Operator", new() { Exact = true }).SelectOptionAsync("eq");
        await page.GetByLabel("Value", new() { Exact = true }).FillAsync("EU");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add filter" }).ClickAsync();
        await Expect(page.Locator("#preview-rows")).ToContainTextAsync("20 rows");
        var regions = await page.Locator("table.rows tbody tr td:nth-child(3)").AllInnerTextsAsync();
        Assert.Equal(20, regions.Count);
        Assert.All(regions, r => Assert.Equal("EU", r));
        await Expect(page).ToHaveURLAsync(web.Url + "/datasets/orders?filter=region%3Aeq%3AEU");
        await Expect(page.Locator("#snippet-curl code")).ToContainTextAsync("filter=region%3Aeq%3AEU");

        await page.GetByLabel("Column", new() { Exact = true }).SelectOptionAsync("order_id");
        await page.GetByLabel("Operator", new() { Exact = true }).SelectOptionAsync("le");
        await page.GetByLabel("Value", new() { Exact = true }).FillAsync("9");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add filter" }).ClickAsync();
        await Expect(rows).ToHaveCountAsync(3); // orders 3, 6 and 9 are in EU
        await Expect(page.Locator("#snippet-sql code")).ToContainTextAsync("WHERE region = 'EU' AND order_id <= 9");
        await browser.ScreenshotAsync("preview");

        // A filter the API refuses says why, in the page.
        await page.GetByLabel("Column", new() { Exact = true }).SelectOptionAsync("amount");
        await page.GetByLabel("Operator", new() { Exact = true }).SelectOptionAsync("gt");
        await page.GetByLabel("Value", new() { Exact = true }).FillAsync("lots");
        browser.ExpectConsoleError("400");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add filter" }).ClickAsync();
        await Expect(page.Locator("#preview-rows [role=alert]")).ToContainTextAsync("amount");
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove filter amount:gt:lots" }).ClickAsync();
        await Expect(rows).ToHaveCountAsync(3);
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task A_quarantined_version_is_marked_and_the_served_one_named()
    {
        await using var browser = await web.Browser.OpenAsync(web.Url, nameof(A_quarantined_version_is_marked_and_the_served_one_named));
        var page = browser.Page;
        await browser.SignInAsync(web.Tokens["alice"]);
        await page.GotoAsync("/datasets/stock");
        var quarantined = page.Locator("table.versions tbody tr", new() { HasText = "quarantined" });
        await Expect(quarantined).ToHaveCountAsync(1);
        await Expect(quarantined).ToContainTextAsync("v2");
        await Expect(page.Locator("#status-line")).ToContainTextAsync("failed");
        await Expect(page.Locator("section[aria-labelledby='sec-status']")).ToContainTextAsync("v1 is still served");
        // The served version passed its check; the quarantined one failed it.
        await Expect(page.Locator("li.check[data-check='sku_unique'][data-version='2']")).ToContainTextAsync("failed");
        await Expect(page.Locator("li.check[data-check='sku_unique'][data-version='1']")).ToContainTextAsync("passed");
        await browser.ScreenshotAsync("stock");
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task A_dataset_the_reader_may_not_see_is_not_found()
    {
        await using var browser = await web.Browser.OpenAsync(web.Url, nameof(A_dataset_the_reader_may_not_see_is_not_found));
        browser.ExpectConsoleError("404");
        var page = browser.Page;
        await browser.SignInAsync(web.Tokens["m42"]);
        await page.GotoAsync("/datasets/customers");
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("customers");
        await Expect(page.Locator("main")).Not.ToContainTextAsync("crm-team@example.com");
        browser.AssertNoErrors();
    }
}
