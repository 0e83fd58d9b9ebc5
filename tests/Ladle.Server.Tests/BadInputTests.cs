using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Ladle.Server.Tests;

/// <summary>Every bad request is answered with a ProblemDetails naming the fault, and nothing else happens.</summary>
public sealed class BadInputTests(RetailServerFixture fixture) : IClassFixture<RetailServerFixture>
{
    private HttpClient Http => fixture.Http;

    [Theory]
    [InlineData("filter=amount:gt:lots", "filter", "not a valid decimal")]
    [InlineData("filter=amount:greater:1", "filter", "eq, ne, lt, le, gt, ge, in, between, like, isnull, notnull")]
    [InlineData("filter=amount", "filter", "column:operator:value")]
    [InlineData("filter=amonut:gt:1", "filter", "did you mean 'amount'?")]
    [InlineData("columns=order_id,region;DROP TABLE orders", "columns", "has no column")]
    [InlineData("columns=order_id\"--", "columns", "has no column")]
    [InlineData("order=amount;DELETE", "order", "has no column")]
    [InlineData("order=amount:sideways", "order", "column:asc or column:desc")]
    [InlineData("format=pdf", "format", "json, ndjson, csv, parquet, xlsx")]
    [InlineData("limit=ten", "limit", "whole number")]
    [InlineData("limit=100000000", "limit", "largest page")]
    [InlineData("cursor=bm90LWEtY3Vyc29y", "cursor", "not one Ladle issued")]
    [InlineData("cursor=OTk5OTk5OTk5OTk5OTk5OTk5OTk6MDphYmNkZWYxMjM0NTY", "cursor", "not one Ladle issued")] // a 20-digit version
    [InlineData("filter=region:eq:EU%00x", "filter", "holds a control character (U+0000)")]
    [InlineData("filter=note:eq:%1b[31mred", "filter", "holds a control character (U+001B)")]
    public async Task Bad_request_answers_400_naming_the_parameter(string query, string parameter, string message)
    {
        using var response = await Http.GetAsync("/api/v1/datasets/orders/rows?" + query);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.Equal(parameter, problem.GetProperty("parameter").GetString());
        Assert.Contains(message, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await OrdersAreIntact();
    }

    [Theory]
    [InlineData("region:eq:EU' OR '1'='1")]
    [InlineData("region:eq:EU'; DROP TABLE orders; --")]
    [InlineData("region:in:EU,US') OR 1=1 --")]
    [InlineData("note:like:%' UNION SELECT email FROM customers --")]
    public async Task Injection_in_filter_values_is_only_ever_a_value(string filter)
    {
        var body = await Http.GetFromJsonAsync<JsonElement>("/api/v1/datasets/orders/rows?filter=" + Uri.EscapeDataString(filter));
        var rows = body.GetProperty("rows").EnumerateArray().ToList();
        // "EU,US') OR 1=1 --" is two values, EU and "US') OR 1=1 --": only the EU rows match.
        Assert.All(rows, r => Assert.Equal("EU", r.GetProperty("region").GetString()));
        await OrdersAreIntact();
    }

    [Fact]
    public async Task Unknown_dataset_is_404_with_a_suggestion()
    {
        using var response = await Http.GetAsync("/api/v1/datasets/order/rows");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("did you mean 'orders'?", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("/api/v1/datasets/order")).StatusCode);
    }

    [Fact]
    public async Task Unreachable_source_is_503_naming_the_source()
    {
        using var response = await Http.GetAsync("/api/v1/datasets/warehouse_orders/rows");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("down", problem.GetProperty("source").GetString());
        Assert.Contains("source 'down' (postgres) is unreachable", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Never_published_dataset_is_503_saying_how_to_publish_it()
    {
        using var response = await Http.GetAsync("/api/v1/datasets/broken_never_published/rows");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("ladle materialize broken_never_published", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private async Task OrdersAreIntact()
    {
        // A valid request right after still works, and the table is whole.
        var csv = await Http.GetStringAsync("/api/v1/datasets/orders_live/rows?format=ndjson&columns=order_id");
        Assert.Equal(RetailServerFixture.Orders, csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        await using var count = await fixture.Server.Engine.QueryStoreAsync("SELECT count(*) FROM orders", CancellationToken.None);
        var batch = await count.ReadAsync(CancellationToken.None);
        Assert.Equal(RetailServerFixture.Orders, batch!.Columns[0].Int64s[0]);
    }
}

public sealed class AuthenticationTests
{
    [Fact]
    public async Task Without_dev_nothing_is_served_anonymously()
    {
        await using var server = await LoopbackServer.StartAsync(root =>
        {
            LoopbackServer.File(root, "ladle.yaml", "name: closed\nsources:\n  files:\n    kind: files\n    path: data\n");
            LoopbackServer.File(root, "data/a.csv", "id\n1\n");
            LoopbackServer.File(root, "datasets/a.yaml", "name: a\nsource: files\ntable: a.csv\n");
        }, dev: false);
        foreach (var path in new[] { "/api/v1/datasets", "/api/v1/datasets/a", "/api/v1/datasets/a/rows", "/api/v1/datasets/a/rows?format=csv", "/api/v1/datasets/nope/rows" })
        {
            using var response = await server.Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
            Assert.DoesNotContain("\"id\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/healthz")).StatusCode);
    }
}
