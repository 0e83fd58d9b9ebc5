using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ladle.Engine.Access;
using Ladle.Engine.State;
using Microsoft.Extensions.DependencyInjection;

namespace Ladle.Server.Tests;

/// <summary>A ledger with a metric over it, served without --dev, two principals capped at 10 rows a minute.</summary>
public sealed class ReadParityFixture : IAsyncLifetime
{
    public LoopbackServer Server { get; private set; } = null!;
    public Dictionary<string, string> Tokens { get; } = [];

    public async Task InitializeAsync()
    {
        Server = await LoopbackServer.StartAsync(root =>
        {
            LoopbackServer.File(root, "ladle.yaml", "name: ledger\nsources:\n  files:\n    kind: files\n    path: data\n");
            var rows = new StringBuilder("entry_id,region,amount\n");
            for (var i = 1; i <= 30; i++) rows.Append(CultureInfo.InvariantCulture, $"{i},{(i % 3 == 0 ? "EU" : i % 3 == 1 ? "US" : "APAC")},{i}.5\n");
            LoopbackServer.File(root, "data/parity_ledger.csv", rows.ToString());
            LoopbackServer.File(root, "datasets/parity_ledger.yaml", """
                name: parity_ledger
                source: files
                table: parity_ledger.csv
                columns:
                  - { name: entry_id, type: integer }
                  - { name: region, type: string }
                  - { name: amount, type: double }
                """);
            LoopbackServer.File(root, "models/parity_ledger.yaml", """
                dataset: parity_ledger
                dimensions:
                  - { name: region }
                measures:
                  - { name: total, agg: sum, column: amount }
                metrics:
                  - { name: ledger_total, measure: total }
                """);
            LoopbackServer.File(root, "access.yaml", """
                roles:
                  reader:
                    grants:
                      - { actions: [read, export], datasets: [parity_ledger] }
                  admin:
                    admin: true
                principals:
                  capped_a: { roles: [reader] }
                  capped_b: { roles: [reader] }
                  analyst: { roles: [reader] }
                  root: { roles: [admin] }
                rate_limits:
                  capped_a: { rows_per_minute: 10 }
                  capped_b: { rows_per_minute: 10 }
                """);
        }, dev: false);
        var tokens = new TokenService(Server.Engine.Project, Server.Engine.State);
        foreach (var principal in new[] { "capped_a", "capped_b", "analyst", "root" })
            Tokens[principal] = (await tokens.CreateAsync(principal, null, "test", CancellationToken.None)).Token;
    }

    public async Task<HttpResponseMessage> GetAsync(string path, string principal)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Tokens[principal]);
        return await Server.Http.SendAsync(request);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// Rows and metric queries go through one pipeline, so they get the same rate limits, serving metrics, audit
/// entries and trust headers: before, metric queries skipped the rows-per-minute limit and the Prometheus series.
/// </summary>
public sealed class ReadParityTests(ReadParityFixture fixture) : IClassFixture<ReadParityFixture>
{
    private const string Rows = "/api/v1/datasets/parity_ledger/rows";
    private const string Metrics = "/api/v1/metrics/query?metrics=ledger_total&by=region";

    [Fact]
    public async Task Metric_rows_count_against_the_rows_per_minute_limit_and_rows_refuse_metrics_alike()
    {
        // 3 metric rows, then 10 more rows: the minute's 10 are spent, so both kinds are refused with the same 429.
        Assert.Equal(HttpStatusCode.OK, (await fixture.GetAsync(Metrics, "capped_a")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await fixture.GetAsync(Rows + "?limit=10", "capped_a")).StatusCode);
        var rowsRefused = await fixture.GetAsync(Rows + "?limit=1", "capped_a");
        var metricsRefused = await fixture.GetAsync(Metrics, "capped_a");
        await AssertRowLimitAsync(rowsRefused);
        await AssertRowLimitAsync(metricsRefused);

        // And the other way round: rows spend the minute, and a metric query is refused.
        Assert.Equal(HttpStatusCode.OK, (await fixture.GetAsync(Rows + "?limit=10", "capped_b")).StatusCode);
        await AssertRowLimitAsync(await fixture.GetAsync(Metrics + "&format=csv", "capped_b"));
    }

    private static async Task AssertRowLimitAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("has read its 10 rows for this minute", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_metric_query_is_counted_in_the_same_prometheus_series_as_a_rows_read()
    {
        var before = await ScrapeAsync();
        var rows = await fixture.GetAsync(Rows + "?format=ndjson&limit=7", "root");
        Assert.Equal(HttpStatusCode.OK, rows.StatusCode);
        var rowsBytes = (await rows.Content.ReadAsByteArrayAsync()).Length;
        var metric = await fixture.GetAsync(Metrics + "&format=ndjson", "root");
        Assert.Equal(HttpStatusCode.OK, metric.StatusCode);
        var metricBytes = (await metric.Content.ReadAsByteArrayAsync()).Length;
        var after = await ScrapeAsync();

        const string labels = "dataset=\"parity_ledger\",format=\"ndjson\"";
        Assert.Equal(2, Value(after, "ladle_dataset_requests_total{" + labels + ",status=\"ok\"}") - Value(before, "ladle_dataset_requests_total{" + labels + ",status=\"ok\"}"));
        Assert.Equal(7 + 3, Value(after, "ladle_rows_served_total{" + labels + "}") - Value(before, "ladle_rows_served_total{" + labels + "}"));
        Assert.Equal(rowsBytes + metricBytes, Value(after, "ladle_bytes_served_total{" + labels + "}") - Value(before, "ladle_bytes_served_total{" + labels + "}"));
        Assert.Equal(2, Value(after, "ladle_request_duration_seconds_count{" + labels + "}") - Value(before, "ladle_request_duration_seconds_count{" + labels + "}"));
    }

    [Fact]
    public async Task Rows_and_metric_exports_leave_the_same_audit_entry_and_state_their_trust_alike()
    {
        var rows = await fixture.GetAsync(Rows + "?format=csv", "analyst");
        var metric = await fixture.GetAsync(Metrics + "&format=csv", "analyst");
        Assert.Equal(HttpStatusCode.OK, rows.StatusCode);
        Assert.Equal(HttpStatusCode.OK, metric.StatusCode);
        foreach (var response in new[] { rows, metric })
        {
            Assert.Equal("ok", response.Headers.GetValues("Ladle-Data-Status").Single());
            Assert.Equal("parity_ledger=1", response.Headers.GetValues("Ladle-Datasets").Single());
            Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(response.Content.Headers.ContentDisposition);
        }

        await fixture.Server.Services.GetRequiredService<AuditWriter>().FlushAsync();
        var audit = await fixture.Server.Engine.State.QueryAuditAsync(new AuditQuery(Principal: "analyst", Limit: 100), CancellationToken.None);
        var read = Assert.Single(audit, e => e.Action == "read");
        var metrics = Assert.Single(audit, e => e.Action == "metrics");
        foreach (var entry in new[] { read, metrics })
        {
            Assert.Equal(("rest", "analyst", "csv", "ok", "parity_ledger"), (entry.Interface, entry.Principal, entry.Format, entry.Status, entry.Target));
            Assert.Null(entry.Subject);
            Assert.True(entry.Bytes > 0);
        }
        Assert.Equal(30, read.Rows);
        Assert.Equal(3, metrics.Rows);
        Assert.Equal("1", read.Version);
        Assert.Equal("parity_ledger=1", metrics.Version);
    }

    private async Task<string> ScrapeAsync()
    {
        var response = await fixture.GetAsync("/metrics", "root");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static double Value(string exposition, string series)
    {
        foreach (var line in exposition.Split('\n'))
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
                return double.Parse(line.AsSpan(series.Length + 1), CultureInfo.InvariantCulture);
        return 0;
    }
}
