using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Ladle.Server.Tests;

public sealed class DatasetsApiTests(RetailServerFixture fixture) : IClassFixture<RetailServerFixture>
{
    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task Catalog_lists_every_dataset_with_owner_version_and_publication_time()
    {
        var catalog = await Http.GetFromJsonAsync<JsonElement>("/api/v1/datasets");
        var datasets = catalog.GetProperty("datasets").EnumerateArray().ToDictionary(d => d.GetProperty("name").GetString()!);
        Assert.Equal(["broken_never_published", "customers", "orders", "orders_live", "revenue_by_region", "warehouse_orders"], datasets.Keys.Order());
        var orders = datasets["orders"];
        Assert.Equal("retail", orders.GetProperty("domain").GetString());
        Assert.Equal("retail-data@example.com", orders.GetProperty("owner").GetString());
        Assert.Equal("table", orders.GetProperty("materialization").GetString());
        Assert.Equal(1, orders.GetProperty("version").GetInt64());
        Assert.True(orders.GetProperty("published_at").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-10));
        Assert.Equal("unavailable", datasets["broken_never_published"].GetProperty("status").GetString());
    }

    [Fact]
    public async Task Dataset_detail_has_columns_with_types_descriptions_pii_and_dependencies()
    {
        var customers = await Http.GetFromJsonAsync<JsonElement>("/api/v1/datasets/customers");
        var email = customers.GetProperty("columns").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "email");
        Assert.True(email.GetProperty("pii").GetBoolean());
        Assert.Equal("string", email.GetProperty("type").GetString());
        var revenue = await Http.GetFromJsonAsync<JsonElement>("/api/v1/datasets/revenue_by_region");
        Assert.Equal(["orders"], revenue.GetProperty("depends_on").EnumerateArray().Select(e => e.GetString()));
        // Undeclared columns are discovered from the published version.
        Assert.Equal(["region", "revenue", "orders"], revenue.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Rows_answer_with_version_headers_and_a_data_block()
    {
        using var response = await Http.GetAsync("/api/v1/datasets/orders/rows?filter=region:eq:EU&order=amount:desc&limit=5&columns=order_id,amount");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("1", response.Headers.GetValues("Ladle-Dataset-Version").Single());
        Assert.Equal("ok", response.Headers.GetValues("Ladle-Data-Status").Single());
        Assert.True(DateTimeOffset.TryParse(response.Headers.GetValues("Ladle-Published-At").Single(), out _));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, body.GetProperty("data").GetProperty("version").GetInt64());
        Assert.Equal("orders", body.GetProperty("data").GetProperty("dataset").GetString());
        var rows = body.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(5, rows.Count);
        var amounts = rows.Select(r => r.GetProperty("amount").GetDecimal()).ToList();
        Assert.Equal(amounts.OrderDescending(), amounts);
        Assert.All(rows, r => Assert.Equal(["order_id", "amount"], r.EnumerateObject().Select(p => p.Name)));
    }

    [Fact]
    public async Task Cursor_pages_through_every_row_once()
    {
        var seen = new List<long>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var url = "/api/v1/datasets/orders/rows?filter=status:eq:completed&limit=500&columns=order_id" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
            var page = await Http.GetFromJsonAsync<JsonElement>(url);
            seen.AddRange(page.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("order_id").GetInt64()));
            cursor = page.GetProperty("next_cursor").GetString();
            pages++;
        }
        while (cursor is not null && pages < 100);
        var expected = Enumerable.Range(1, RetailServerFixture.Orders).Where(i => i % 10 != 0).Select(i => (long)i).ToList();
        Assert.Equal(expected, seen.Order());
        Assert.Equal(seen.Count, seen.Distinct().Count());
    }

    [Fact]
    public async Task Live_dataset_is_served_from_its_source_and_says_so()
    {
        using var response = await Http.GetAsync("/api/v1/datasets/orders_live/rows?filter=order_id:le:10&format=ndjson");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("live", response.Headers.GetValues("Ladle-Dataset-Version").Single());
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(10, lines.Length);
    }

    [Fact]
    public async Task Derived_dataset_sums_match_its_input()
    {
        var body = await Http.GetFromJsonAsync<JsonElement>("/api/v1/datasets/revenue_by_region/rows");
        Assert.Equal(RetailServerFixture.Orders, body.GetProperty("rows").EnumerateArray().Sum(r => r.GetProperty("orders").GetInt64()));
    }

    [Fact]
    public async Task Health_readiness_openapi_and_metrics_answer()
    {
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("/healthz")).StatusCode);
        var ready = await Http.GetFromJsonAsync<JsonElement>("/readyz");
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        var openapi = await Http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        Assert.True(openapi.GetProperty("paths").TryGetProperty("/api/v1/datasets/{name}/rows", out _));
        await Http.GetAsync("/api/v1/datasets/customers/rows?format=csv");
        var metrics = await Http.GetStringAsync("/metrics");
        Assert.Contains("ladle_rows_served_total{dataset=\"customers\",format=\"csv\"} 100", metrics, StringComparison.Ordinal);
        Assert.Contains("ladle_request_duration_seconds_bucket{dataset=\"customers\",format=\"csv\"", metrics, StringComparison.Ordinal);
    }
}
