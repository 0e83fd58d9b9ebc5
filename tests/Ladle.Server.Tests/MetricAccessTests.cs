using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Ladle.Server.Tests;

/// <summary>The bypass matrix for metric queries: aggregates never include rows the principal may not see.</summary>
public sealed class MetricAccessTests(AccessFixture fixture) : IClassFixture<AccessFixture>
{
    private const string Sales = "/api/v1/metrics/query?metrics=sales";

    private async Task<decimal> SalesAsync(string token)
    {
        using var response = await fixture.GetAsync(Sales, token);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("rows")[0].GetProperty("sales").GetDecimal();
    }

    [Fact]
    public async Task A_metric_aggregates_only_the_tenants_rows_and_a_cached_answer_never_crosses_tenants()
    {
        // Orders i = 1..300, amount i + 0.5: merchant 42 owns i % 3 == 0, merchant 7 i % 3 == 1.
        var all = Enumerable.Range(1, 300).Sum(i => i + 0.5m);
        var of42 = Enumerable.Range(1, 300).Where(i => i % 3 == 0).Sum(i => i + 0.5m);
        var of7 = Enumerable.Range(1, 300).Where(i => i % 3 == 1).Sum(i => i + 0.5m);

        Assert.Equal(all, await SalesAsync(fixture.Tokens["root"]));   // fills the cache unfiltered
        Assert.Equal(of42, await SalesAsync(fixture.Tokens["m42"]));
        Assert.Equal(of7, await SalesAsync(fixture.Tokens["m7"]));
        Assert.Equal(of42, await SalesAsync(fixture.Tokens["m42"]));   // now from the cache: still its own
        Assert.Equal(all, await SalesAsync(fixture.Tokens["root"]));

        // A filter for another merchant's rows cannot widen the row filter.
        using var widened = await fixture.GetAsync(Sales + "&filter=merchant_id:eq:7", fixture.Tokens["m42"]);
        var rows = (await widened.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rows");
        Assert.True(rows.GetArrayLength() == 0 || rows[0].GetProperty("sales").ValueKind == JsonValueKind.Null
            || rows[0].GetProperty("sales").GetDecimal() == 0, rows.ToString());
    }

    [Fact]
    public async Task Two_grants_with_different_row_filters_show_the_rows_of_either_in_metrics_as_in_rows()
    {
        // m42_large: merchant 42's orders (one grant) or orders of 250 or more not of merchant 7 (another).
        static bool Visible(int i) => i % 3 == 0 || (i + 0.5m >= 250 && i % 3 != 1);
        var expected = Enumerable.Range(1, 300).Where(Visible).Sum(i => i + 0.5m);
        Assert.Equal(expected, await SalesAsync(fixture.Tokens["m42_large"]));
        Assert.Equal(expected, await SalesAsync(fixture.Tokens["m42_large"]));   // from the cache, keyed by both filters
        Assert.Equal(Enumerable.Range(1, 300).Where(i => i % 3 == 0).Sum(i => i + 0.5m), await SalesAsync(fixture.Tokens["m42"]));

        // The rows endpoint shows the same rows.
        using var rows = await fixture.GetAsync("/api/v1/datasets/orders/rows?columns=order_id&limit=1000", fixture.Tokens["m42_large"]);
        var ids = (await rows.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("order_id").GetInt32()).ToList();
        Assert.Equal(Enumerable.Range(1, 300).Where(Visible), ids);

        // Grouped by merchant: merchant 7 never appears, merchant 99 only with its large orders.
        using var byMerchant = await fixture.GetAsync(Sales + "&dimensions=merchant_id&order=merchant_id", fixture.Tokens["m42_large"]);
        var groups = (await byMerchant.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rows").EnumerateArray()
            .ToDictionary(r => r.GetProperty("merchant_id").GetDecimal(), r => r.GetProperty("sales").GetDecimal());
        Assert.Equal(new[] { 42m, 99m }, groups.Keys.Order());
        Assert.Equal(Enumerable.Range(250, 51).Where(i => i % 3 == 2).Sum(i => i + 0.5m), groups[99m]);
    }

    [Fact]
    public async Task Metrics_answer_401_without_a_token_and_an_embed_token_sees_only_its_metrics()
    {
        foreach (var path in new[] { "/api/v1/metrics", "/api/v1/metrics/sales", Sales, Sales + "&explain=true" })
        {
            using var response = await fixture.GetAsync(path, null);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/embed/tokens")
        {
            Content = JsonContent.Create(new { principal = "portal", attributes = new { merchant_id = "7" }, datasets = new[] { "orders" }, metrics = new[] { "order_lines" } }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fixture.Tokens["portal"]);
        using var signed = await fixture.Server.Http.SendAsync(request);
        var embed = (await signed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;

        var catalog = await (await fixture.GetAsync("/api/v1/metrics", embed)).Content.ReadAsStringAsync();
        Assert.Contains("order_lines", catalog, StringComparison.Ordinal);
        Assert.DoesNotContain("\"sales\"", catalog, StringComparison.Ordinal);
        using var refused = await fixture.GetAsync(Sales, embed);
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        using var allowed = await fixture.GetAsync("/api/v1/metrics/query?metrics=order_lines", embed);
        var value = (await allowed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rows")[0].GetProperty("order_lines").GetDecimal();
        Assert.Equal(Enumerable.Range(1, 300).Where(i => i % 3 == 1).Sum(i => i + 0.5m), value);
    }

    [Fact]
    public async Task Grouping_by_a_masked_column_is_refused_but_allowed_with_clearance()
    {
        using var refused = await fixture.GetAsync(Sales + "&dimensions=customer_email", fixture.Tokens["alice"]);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("masked for principal 'alice'", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var cleared = await fixture.GetAsync(Sales + "&dimensions=customer_email", fixture.Tokens["root"]);
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        Assert.Equal(300, (await cleared.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rows").GetArrayLength());
        // Without the masked dimension the analyst (no row filter) gets every merchant's total.
        Assert.Equal(decimal.Parse("45150", CultureInfo.InvariantCulture) + 150m, await SalesAsync(fixture.Tokens["alice"]));
    }
    [Fact]
    public async Task A_metric_granted_by_name_answers_its_own_measures_but_no_dimension_of_a_dataset_the_principal_cannot_read()
    {
        // mia reads the crm domain and holds 'sales' by name; orders and merchants are hidden from her.
        Assert.Equal(Enumerable.Range(1, 300).Sum(i => i + 0.5m), await SalesAsync(fixture.Tokens["mia"]));
        foreach (var dimension in new[] { "merchants.name", "merchant.name", "name", "merchant_id", "merchant" })
        {
            using var refused = await fixture.GetAsync(Sales + "&dimensions=" + dimension, fixture.Tokens["mia"]);
            var body = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, $"{dimension}: {refused.StatusCode} {body}");
            Assert.DoesNotContain("Answer Store", body, StringComparison.Ordinal);
        }
        using (var filtered = await fixture.GetAsync(Sales + "&filter=merchants.name:eq:Answer%20Store", fixture.Tokens["mia"]))
            Assert.Equal(HttpStatusCode.BadRequest, filtered.StatusCode);

        // Hints list only what she may see: no dimension of orders or merchants, no other metric.
        using (var typo = await fixture.GetAsync(Sales + "&dimensions=nme", fixture.Tokens["mia"]))
        {
            var body = await typo.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.BadRequest, typo.StatusCode);
            foreach (var hidden in new[] { "merchants", "merchant_id", "customer_email" }) Assert.DoesNotContain(hidden, body, StringComparison.Ordinal);
        }
        using (var other = await fixture.GetAsync("/api/v1/metrics/query?metrics=order_lines", fixture.Tokens["mia"]))
        {
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
            Assert.DoesNotContain("orders", await other.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var explain = await fixture.GetAsync(Sales + "&explain=true", fixture.Tokens["mia"]))
        {
            Assert.Equal(HttpStatusCode.Forbidden, explain.StatusCode);
            Assert.DoesNotContain("orders", await explain.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        // Even when an admin's answer, naming its datasets, is already cached and encoded.
        await SalesAsync(fixture.Tokens["root"]);
        await SalesAsync(fixture.Tokens["root"]);
        using (var answer = await fixture.GetAsync(Sales, fixture.Tokens["mia"]))
        {
            Assert.False(answer.Headers.TryGetValues("Ladle-Datasets", out var named) && named.Single().Contains("orders", StringComparison.Ordinal));
            var text = await answer.Content.ReadAsStringAsync();
            Assert.False(text.Contains("orders", StringComparison.Ordinal), text);
        }

        // Her catalog shows the metric, without the datasets and dimensions she cannot see.
        var catalog = await (await fixture.GetAsync("/api/v1/metrics", fixture.Tokens["mia"])).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["sales", "units"], catalog.GetProperty("metrics").EnumerateArray().Select(m => m.GetProperty("name").GetString()).Order());
        var sales = catalog.GetProperty("metrics").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "sales");
        Assert.Empty(sales.GetProperty("datasets").EnumerateArray());
        Assert.Empty(sales.GetProperty("dimensions").EnumerateArray());

        // Someone who reads both datasets groups by the joined dimension.
        using var alice = await fixture.GetAsync(Sales + "&dimensions=merchants.name", fixture.Tokens["alice"]);
        Assert.Equal(HttpStatusCode.OK, alice.StatusCode);
        Assert.Equal(3, (await alice.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rows").GetArrayLength());
        var aliceCatalog = await (await fixture.GetAsync("/api/v1/metrics/sales", fixture.Tokens["alice"])).Content.ReadAsStringAsync();
        Assert.Contains("merchants.name", aliceCatalog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metric_exports_need_the_export_grant_like_dataset_exports()
    {
        foreach (var format in new[] { "csv", "parquet", "ndjson" })
        {
            foreach (var principal in new[] { "bob", "mia" })
            {
                using var refused = await fixture.GetAsync($"{Sales}&format={format}", fixture.Tokens[principal]);
                Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{principal} {format}: {refused.StatusCode}");
                Assert.Contains("export", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
            using var allowed = await fixture.GetAsync($"{Sales}&format={format}", fixture.Tokens["alice"]);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }
        using var json = await fixture.GetAsync(Sales, fixture.Tokens["bob"]);
        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
    }
    [Fact]
    public async Task The_row_filter_of_a_metric_grant_applies_to_the_metric()
    {
        // kpi42 holds order_lines by name, filtered to merchant 42, and sales by name unfiltered.
        using var own = await fixture.GetAsync("/api/v1/metrics/query?metrics=order_lines", fixture.Tokens["kpi42"]);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        var value = (await own.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rows")[0].GetProperty("order_lines").GetDecimal();
        Assert.Equal(Enumerable.Range(1, 300).Where(i => i % 3 == 0).Sum(i => i + 0.5m), value);
        Assert.Equal(Enumerable.Range(1, 300).Sum(i => i + 0.5m), await SalesAsync(fixture.Tokens["kpi42"]));
        // Asked together, neither is computed over the rows the other's grant admits.
        using var both = await fixture.GetAsync("/api/v1/metrics/query?metrics=order_lines,sales", fixture.Tokens["kpi42"]);
        Assert.Equal(HttpStatusCode.Forbidden, both.StatusCode);
        Assert.Contains("over different rows", await both.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
    [Fact]
    public async Task The_status_of_a_metric_over_a_hidden_dataset_does_not_name_it()
    {
        LoopbackServer.File(fixture.Server.Root, "data/stock.csv", AccessFixture.StockCsv(duplicate: true));
        Assert.True((await fixture.Server.Engine.Publisher.MaterializeAsync(["stock"], "test", null, CancellationToken.None)).Single().Quarantined);
        using (var admin = await fixture.GetAsync("/api/v1/metrics/query?metrics=units", fixture.Tokens["root"]))
            Assert.Contains("stock", admin.Headers.GetValues("Ladle-Data-Status-Reason").Single(), StringComparison.Ordinal);
        // mia holds 'units' by name but may not see stock: the answer says failed without naming it.
        using var answer = await fixture.GetAsync("/api/v1/metrics/query?metrics=units", fixture.Tokens["mia"]);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("failed", answer.Headers.GetValues("Ladle-Data-Status").Single());
        var headers = string.Join("\n", answer.Headers.Select(h => $"{h.Key}: {string.Join(",", h.Value)}"));
        var body = await answer.Content.ReadAsStringAsync();
        Assert.False(headers.Contains("stock", StringComparison.Ordinal) || body.Contains("stock", StringComparison.Ordinal), headers + "\n" + body);
    }

    [Theory]
    [InlineData("metrics=sales&dimensions=email_lower", "dimension 'email_lower'")]
    [InlineData("metrics=sales&filter=email_lower:eq:buyer5@example.com", "dimension 'email_lower'")]
    [InlineData("metrics=top_email", "measure 'top_email'")]
    [InlineData("metrics=example_orders", "the filter of measure 'example_orders'")]
    public async Task An_expression_over_a_masked_column_is_refused_like_the_column(string query, string named)
    {
        using var refused = await fixture.GetAsync("/api/v1/metrics/query?" + query, fixture.Tokens["alice"]);
        var body = await refused.Content.ReadAsStringAsync();
        Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{refused.StatusCode}: {body}");
        Assert.Contains(named, body, StringComparison.Ordinal);
        Assert.Contains("column 'customer_email'", body, StringComparison.Ordinal);
        Assert.Contains("masked for principal 'alice'", body, StringComparison.Ordinal);
        Assert.DoesNotContain("buyer1", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expression_over_a_masked_column_answers_in_clear_with_clearance()
    {
        using var grouped = await fixture.GetAsync("/api/v1/metrics/query?metrics=sales&dimensions=email_lower", fixture.Tokens["root"]);
        Assert.Equal(HttpStatusCode.OK, grouped.StatusCode);
        var rows = (await grouped.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rows");
        Assert.Equal(300, rows.GetArrayLength());
        Assert.Contains(rows.EnumerateArray(), r => r.GetProperty("email_lower").GetString() == "buyer5@example.com");
        using var counted = await fixture.GetAsync("/api/v1/metrics/query?metrics=example_orders", fixture.Tokens["root"]);
        Assert.Equal(300, (await counted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rows")[0].GetProperty("example_orders").GetInt64());
    }

    [Fact]
    public async Task An_engine_error_names_the_measure_and_never_the_value_in_the_answer_or_the_log()
    {
        // max over the emails, declared a double (the default for sql: measures): an email does not convert.
        using var failed = await fixture.GetAsync("/api/v1/metrics/query?metrics=top_email", fixture.Tokens["root"]);
        var body = await failed.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal("application/problem+json", failed.Content.Headers.ContentType?.MediaType);
        var detail = JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString()!;
        Assert.Contains("measure 'top_email' (sql: customer_email, type double)", detail, StringComparison.Ordinal);
        Assert.Contains("did not convert", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("@example.com", body, StringComparison.Ordinal);
        Assert.DoesNotContain("buyer", body, StringComparison.Ordinal);
        Assert.DoesNotContain("buyer", fixture.Server.Logs.Text, StringComparison.Ordinal);

        // The same query as CSV, and the server still answers afterwards.
        using var csv = await fixture.GetAsync("/api/v1/metrics/query?metrics=top_email&format=csv", fixture.Tokens["root"]);
        Assert.DoesNotContain("buyer", await csv.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("buyer", fixture.Server.Logs.Text, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(1, 300).Sum(i => i + 0.5m), await SalesAsync(fixture.Tokens["root"]));
    }
}
