using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Ladle.Server.Tests;

public sealed class TrustApiTests
{
    private static void WriteOrders(string root, int rows, bool duplicate)
    {
        var csv = new StringBuilder("order_id,amount\n");
        for (var i = 1; i <= rows; i++) csv.Append($"{(duplicate && i == rows ? 1 : i)},{i}.5\n");
        LoopbackServer.File(root, "data/orders.csv", csv.ToString());
    }

    private static Task<LoopbackServer> StartAsync(string freshness = "") => LoopbackServer.StartAsync(root =>
    {
        LoopbackServer.File(root, "ladle.yaml", "name: trust\nsources:\n  files:\n    kind: files\n    path: data\n");
        WriteOrders(root, 50, duplicate: false);
        LoopbackServer.File(root, "datasets/orders.yaml", $"""
            name: orders
            source: files
            table: orders.csv
            primary_key: [order_id]
            columns:
              - name: order_id
                type: integer
              - name: amount
                type: decimal
            checks:
              - name: order_id_unique
                type: unique
                column: order_id
              - name: enough_rows
                type: row_count
                min: 10
                severity: warn
            {freshness}
            """);
    });

    [Fact]
    public async Task Failed_error_check_keeps_the_previous_version_served_and_every_answer_says_failed()
    {
        await using var server = await StartAsync();
        WriteOrders(server.Root, 60, duplicate: true);
        var result = (await server.Engine.Publisher.MaterializeAsync(["orders"], "test", null, CancellationToken.None)).Single();
        Assert.True(result.Quarantined);

        using var response = await server.Http.GetAsync("/api/v1/datasets/orders/rows?limit=1000");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("failed", response.Headers.GetValues("Ladle-Data-Status").Single());
        Assert.Equal("1", response.Headers.GetValues("Ladle-Dataset-Version").Single());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(50, body.GetProperty("rows").GetArrayLength());
        Assert.Equal("failed", body.GetProperty("data").GetProperty("status").GetString());
        Assert.Contains("order_id_unique", body.GetProperty("data").GetProperty("status_reason").GetString(), StringComparison.Ordinal);

        // The same in the other formats and in the catalog.
        using var csv = await server.Http.GetAsync("/api/v1/datasets/orders/rows?format=csv");
        Assert.Equal("failed", csv.Headers.GetValues("Ladle-Data-Status").Single());
        Assert.Equal(51, (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var catalog = await server.Http.GetFromJsonAsync<JsonElement>("/api/v1/datasets");
        Assert.Equal("failed", catalog.GetProperty("datasets")[0].GetProperty("status").GetString());

        // Health names the failing check with its sample; the quarantined version stays inspectable.
        var health = await server.Http.GetFromJsonAsync<JsonElement>("/api/v1/datasets/orders/health");
        Assert.Equal("failed", health.GetProperty("status").GetString());
        Assert.Equal(1, health.GetProperty("served_version").GetInt64());
        Assert.Equal("quarantined", health.GetProperty("latest_attempt").GetProperty("status").GetString());
        var failing = health.GetProperty("latest_attempt_checks").EnumerateArray().Single(c => c.GetProperty("check").GetString() == "order_id_unique");
        Assert.Equal("failed", failing.GetProperty("outcome").GetString());
        Assert.Equal(2, failing.GetProperty("failing_rows").GetInt64());
        Assert.Equal(1, failing.GetProperty("sample")[0].GetProperty("order_id").GetInt64());
        using var quarantined = await server.Http.GetAsync("/api/v1/datasets/orders/rows?version=2&limit=1000");
        Assert.Equal("2", quarantined.Headers.GetValues("Ladle-Dataset-Version").Single());
        Assert.Equal("failed", quarantined.Headers.GetValues("Ladle-Data-Status").Single());
        Assert.Equal(60, (await quarantined.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rows").GetArrayLength());

        // A good batch recovers the dataset.
        WriteOrders(server.Root, 70, duplicate: false);
        Assert.True((await server.Engine.Publisher.MaterializeAsync(["orders"], "test", null, CancellationToken.None)).Single().Published);
        using var recovered = await server.Http.GetAsync("/api/v1/datasets/orders/rows");
        Assert.Equal("ok", recovered.Headers.GetValues("Ladle-Data-Status").Single());
        Assert.Equal("3", recovered.Headers.GetValues("Ladle-Dataset-Version").Single());
        var project = await server.Http.GetFromJsonAsync<JsonElement>("/api/v1/health");
        Assert.Equal("ok", project.GetProperty("status").GetString());
    }

    [Fact]
    public async Task On_stale_refuse_serves_while_the_promise_holds()
    {
        await using var server = await StartAsync("freshness:\n  max_age: 1h\non_stale: refuse\n");
        using var fresh = await server.Http.GetAsync("/api/v1/datasets/orders/rows");
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        Assert.Equal("ok", fresh.Headers.GetValues("Ladle-Data-Status").Single());
    }

    [Fact]
    public async Task Warn_check_publishes_and_says_warn()
    {
        await using var server = await StartAsync();
        WriteOrders(server.Root, 5, duplicate: false);
        var result = (await server.Engine.Publisher.MaterializeAsync(["orders"], "test", null, CancellationToken.None)).Single();
        Assert.True(result.Published);
        using var response = await server.Http.GetAsync("/api/v1/datasets/orders/rows");
        Assert.Equal("warn", response.Headers.GetValues("Ladle-Data-Status").Single());
        Assert.Equal("2", response.Headers.GetValues("Ladle-Dataset-Version").Single());
        var checks = await server.Http.GetFromJsonAsync<JsonElement>("/api/v1/datasets/orders/checks?version=2");
        Assert.Equal("failed", checks.GetProperty("results").EnumerateArray().Single(c => c.GetProperty("check").GetString() == "enough_rows").GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task On_stale_refuse_answers_503_saying_why_and_since_when()
    {
        await using var server = await StartAsync("freshness:\n  max_age: 1s\n  objective: 99%\non_stale: refuse\n");
        // Time only moves forward: once a second has passed the promise is broken, however slow the machine.
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        foreach (var format in new[] { "json", "csv", "parquet" })
        {
            using var stale = await server.Http.GetAsync($"/api/v1/datasets/orders/rows?format={format}");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, stale.StatusCode);
            Assert.Equal("stale", stale.Headers.GetValues("Ladle-Data-Status").Single());
            var problem = await stale.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Contains("promised at most 1s", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.True(problem.TryGetProperty("stale_since", out _));
        }
        var health = await server.Http.GetFromJsonAsync<JsonElement>("/api/v1/datasets/orders/health");
        Assert.Equal("stale", health.GetProperty("status").GetString());
        var slo = health.GetProperty("freshness");
        Assert.True(slo.GetProperty("attainment").GetDouble() < 1.0);
        Assert.False(slo.GetProperty("met").GetBoolean());
        Assert.True(slo.GetProperty("budget_left_seconds").GetDouble() < 0);
    }
}
