using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Parquet;

namespace Ladle.Server.Tests;

public sealed class MetricsApiTests(MetricsServerFixture fixture) : IClassFixture<MetricsServerFixture>
{
    private HttpClient Http => fixture.Http;

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task The_catalog_lists_metrics_with_descriptions_owners_and_dimensions()
    {
        var catalog = await Http.GetFromJsonAsync<JsonElement>("/api/v1/metrics");
        var metrics = catalog.GetProperty("metrics").EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!);
        Assert.Equal(["aov", "customers", "orders", "revenue"], metrics.Keys.Order());
        var revenue = metrics["revenue"];
        Assert.Equal("Completed order amounts in EUR.", revenue.GetProperty("description").GetString());
        Assert.Equal("shop@example.com", revenue.GetProperty("owner").GetString());
        Assert.Equal("simple", revenue.GetProperty("kind").GetString());
        var dimensions = revenue.GetProperty("dimensions").EnumerateArray().Select(d => d.GetString()).ToList();
        Assert.Contains("region", dimensions);
        Assert.Contains("customers.segment", dimensions);
        Assert.Equal(["orders.ordered_at"], revenue.GetProperty("time_dimensions").EnumerateArray().Select(d => d.GetString()));
        Assert.Equal("sum(amount) of orders where status = 'completed'", revenue.GetProperty("definition").GetString());
        Assert.Equal("revenue / order_count", metrics["aov"].GetProperty("definition").GetString());

        using var missing = await Http.GetAsync("/api/v1/metrics/revenu");
        Assert.Contains("did you mean 'revenue'?", (await ProblemAsync(missing, HttpStatusCode.NotFound)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_catalog_lists_only_dimensions_a_query_can_use_when_a_live_source_joins_the_store()
    {
        // Stock is live in a DuckDB file; merchants are published into the store: no one statement reads both.
        await using var server = await LoopbackServer.StartAsync(root =>
        {
            LoopbackServer.File(root, "ladle.yaml", "name: stock\nsources:\n  files:\n    kind: files\n    path: data\n  back_office:\n    kind: duckdb\n    path: data/office.duckdb\n");
            LoopbackServer.File(root, "data/merchants.csv", "merchant_id,city\n1,Lyon\n2,Porto\n");
            LoopbackServer.File(root, "datasets/merchants.yaml", "name: merchants\nsource: files\ntable: merchants.csv\ncolumns:\n  - { name: merchant_id, type: integer }\n  - { name: city, type: string }\n");
            LoopbackServer.File(root, "datasets/inventory.yaml", "name: inventory\nsource: back_office\ntable: inventory\nmaterialization: live\ncolumns:\n  - { name: merchant_id, type: integer }\n  - { name: bin, type: string }\n  - { name: on_hand, type: integer }\n");
            LoopbackServer.File(root, "models/merchants.yaml", "dataset: merchants\nentities:\n  - { name: merchant, type: primary }\ndimensions:\n  - { name: city }\n");
            LoopbackServer.File(root, "models/stock.yaml", "dataset: inventory\nname: stock\nentities:\n  - { name: merchant, type: foreign }\ndimensions:\n  - { name: bin }\nmeasures:\n  - { name: units_on_hand, agg: sum, column: on_hand }\nmetrics:\n  - { name: stock_on_hand, measure: units_on_hand }\n");
            using var duck = new DuckDB.NET.Data.DuckDBConnection($"Data Source={Path.Combine(root, "data", "office.duckdb")}");
            duck.Open();
            using var command = duck.CreateCommand();
            command.CommandText = "CREATE TABLE inventory AS SELECT * FROM (VALUES (1, 'a', 5), (2, 'b', 7)) AS t(merchant_id, bin, on_hand)";
            command.ExecuteNonQuery();
        });

        var metric = await server.Http.GetFromJsonAsync<JsonElement>("/api/v1/metrics/stock_on_hand");
        var dimensions = metric.GetProperty("dimensions").EnumerateArray().Select(d => d.GetString()!).ToList();
        Assert.Equal(["bin", "merchant"], dimensions.Order());
        var listed = (await server.Http.GetFromJsonAsync<JsonElement>("/api/v1/metrics")).GetProperty("metrics")[0];
        Assert.Equal(dimensions, listed.GetProperty("dimensions").EnumerateArray().Select(d => d.GetString()!));

        // Every dimension listed answers; the one left out is the one every query refuses.
        foreach (var dimension in dimensions)
        {
            using var answered = await server.Http.PostAsync("/api/v1/metrics/query", Json($$"""{"metrics": ["stock_on_hand"], "dimensions": ["{{dimension}}"]}"""));
            Assert.True(answered.StatusCode == HttpStatusCode.OK, await answered.Content.ReadAsStringAsync());
        }
        using var refused = await server.Http.PostAsync("/api/v1/metrics/query", Json("""{"metrics": ["stock_on_hand"], "dimensions": ["merchants.city"]}"""));
        Assert.Contains("live in source 'back_office'", (await ProblemAsync(refused, HttpStatusCode.BadRequest)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_posted_query_answers_rows_with_statuses_versions_and_an_etag()
    {
        using var response = await Http.PostAsync("/api/v1/metrics/query", Json("""
            {"metrics": ["revenue", "aov"], "dimensions": ["region"], "time": {"granularity": "month", "range": "2026-01-01..2026-04-01"},
             "filters": ["status:ne:cancelled"], "order": "revenue:desc", "limit": 100}
            """));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", response.Headers.GetValues("Ladle-Data-Status").Single());
        Assert.Equal("orders=1", response.Headers.GetValues("Ladle-Datasets").Single());
        Assert.NotNull(response.Headers.ETag);
        Assert.True(response.Headers.ETag!.IsWeak);
        Assert.True(response.Headers.CacheControl!.NoCache && response.Headers.CacheControl.Private);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var data = body.GetProperty("data");
        Assert.Equal("ok", data.GetProperty("status").GetString());
        Assert.Equal("Europe/Berlin", data.GetProperty("zone").GetString());
        Assert.Equal(1, data.GetProperty("datasets")[0].GetProperty("version").GetInt64());
        Assert.Equal(["region", "metric_time", "revenue", "aov"], body.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        var rows = body.GetProperty("rows").EnumerateArray().ToList();
        // The fixture's regions and months go together (EU in January and April, US in February and May, …).
        Assert.Equal(["APAC 2026-03-01", "EU 2026-01-01", "US 2026-02-01"],
            rows.Select(r => $"{r.GetProperty("region").GetString()} {r.GetProperty("metric_time").GetString()}").Order(StringComparer.Ordinal));
        var revenues = rows.Select(r => r.GetProperty("revenue").GetDecimal()).ToList();
        Assert.Equal(revenues.OrderDescending(), revenues);
    }

    [Fact]
    public async Task The_same_query_as_get_parameters_answers_the_same_numbers_in_csv_and_parquet()
    {
        var json = await Http.PostAsync("/api/v1/metrics/query", Json("""{"metrics": "revenue,orders", "dimensions": "region,customers.segment"}"""));
        var rows = (await json.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rows").EnumerateArray()
            .Select(r => $"{r.GetProperty("region").GetString()},{r.GetProperty("customers.segment").GetString()},{r.GetProperty("revenue").GetDecimal().ToString(CultureInfo.InvariantCulture)},{r.GetProperty("orders").GetInt64()}")
            .ToList();
        Assert.Equal(6, rows.Count);

        using var csv = await Http.GetAsync("/api/v1/metrics/query?metrics=revenue,orders&dimensions=region&by=customers.segment&format=csv");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("attachment; filename=\"metrics.csv\"", csv.Content.Headers.ContentDisposition!.ToString());
        var lines = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("region,customers.segment,revenue,orders", lines[0].TrimEnd('\r'));
        Assert.Equal(rows, lines.Skip(1).Select(l => l.TrimEnd('\r')).ToList());

        using var parquet = await Http.GetAsync("/api/v1/metrics/query?metrics=revenue,orders&dimensions=region,customers.segment&format=parquet");
        await using var reader = await ParquetReader.CreateAsync(new MemoryStream(await parquet.Content.ReadAsByteArrayAsync()));
        Assert.Equal(["region", "customers.segment", "revenue", "orders"], reader.Schema.GetDataFields().Select(f => f.Name));
        using var group = reader.OpenRowGroupReader(0);
        Assert.Equal(6, group.RowCount);
    }

    [Fact]
    public async Task A_client_holding_the_answer_gets_304_until_a_dataset_it_read_publishes()
    {
        const string url = "/api/v1/metrics/query?metrics=revenue&dimensions=region&granularity=quarter";
        using var first = await Http.GetAsync(url);
        var etag = first.Headers.ETag!;
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.IfNoneMatch.Add(etag);
        using var again = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
        Assert.Empty(await again.Content.ReadAsByteArrayAsync());

        // customers publishes: the answer did not read it, so the client's copy is still right.
        Assert.True((await fixture.Server.Engine.Publisher.MaterializeOneAsync(fixture.Server.Engine.GetDataset("customers"), "test", null, CancellationToken.None)).Published);
        using var request2 = new HttpRequestMessage(HttpMethod.Get, url);
        request2.Headers.IfNoneMatch.Add(etag);
        Assert.Equal(HttpStatusCode.NotModified, (await Http.SendAsync(request2)).StatusCode);
    }

    [Fact]
    public async Task A_repeated_query_says_the_cache_answered_it_in_its_header_and_body()
    {
        // A query no other test asks, so the first answer is computed here.
        const string url = "/api/v1/metrics/query?metrics=orders&dimensions=region&granularity=year";
        using var first = await Http.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.NotEqual("cache", first.Headers.GetValues("Ladle-Answered-By").Single());

        using var again = await Http.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("cache", again.Headers.GetValues("Ladle-Answered-By").Single());
        var body = await again.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("cache", body.GetProperty("data").GetProperty("answered_by").GetString());
        using var third = await Http.GetAsync(url);
        Assert.Equal("cache", (await third.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data").GetProperty("answered_by").GetString());
    }

    [Fact]
    public async Task Explain_shows_the_sql_and_what_answers()
    {
        const string query = """{"metrics": ["revenue"], "dimensions": ["region"], "time": {"granularity": "month"}, "explain": true}""";
        using var response = await Http.PostAsync("/api/v1/metrics/query", Json(query));
        var explanation = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("store", explanation.GetProperty("engine").GetString());
        Assert.Equal("duckdb", explanation.GetProperty("dialect").GetString());
        Assert.StartsWith("WITH \"n0\" AS (SELECT", explanation.GetProperty("sql").GetString(), StringComparison.Ordinal);
        Assert.True(explanation.GetProperty("cacheable").GetBoolean());
        var rollups = explanation.GetProperty("rollups").EnumerateArray().ToList();
        // Months are cut in Berlin time, the rollup's days in Berlin time too: it answers.
        Assert.Contains(rollups, r => r.GetProperty("rollup").GetString() == "daily" && r.GetProperty("used").GetBoolean());

        await Http.GetAsync("/api/v1/metrics/query?metrics=revenue&dimensions=region&granularity=month");
        var cached = await Http.GetFromJsonAsync<JsonElement>("/api/v1/metrics/query?metrics=revenue&dimensions=region&granularity=month&explain=true");
        Assert.Equal("cache", cached.GetProperty("answered_by").GetString());
        Assert.True(cached.GetProperty("cached").GetBoolean());

        var joined = await Http.GetFromJsonAsync<JsonElement>("/api/v1/metrics/query?metrics=revenue&dimensions=customers.segment&explain");
        Assert.Contains(joined.GetProperty("rollups").EnumerateArray(), r => r.GetProperty("reason").GetString()!.Contains("own dimensions", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Bad_queries_are_refused_naming_what_to_fix_and_data_stays_untouched()
    {
        var unknownField = await ProblemAsync(await Http.PostAsync("/api/v1/metrics/query", Json("""{"metrics": ["revenue"], "dimension": ["region"]}""")), HttpStatusCode.BadRequest);
        Assert.Equal("unknown field 'dimension' (did you mean 'dimensions'?)", unknownField.GetProperty("detail").GetString());
        Assert.Equal("dimension", unknownField.GetProperty("parameter").GetString());

        var unknownMetric = await ProblemAsync(await Http.GetAsync("/api/v1/metrics/query?metrics=revnue"), HttpStatusCode.NotFound);
        Assert.Equal("no metric 'revnue' (did you mean 'revenue'?)", unknownMetric.GetProperty("detail").GetString());

        var grain = await ProblemAsync(await Http.GetAsync("/api/v1/metrics/query?metrics=revenue&granularity=fortnight"), HttpStatusCode.BadRequest);
        Assert.Equal("granularity", grain.GetProperty("parameter").GetString());

        var notJson = await ProblemAsync(await Http.PostAsync("/api/v1/metrics/query", Json("{metrics: revenue")), HttpStatusCode.BadRequest);
        Assert.Equal("body", notJson.GetProperty("parameter").GetString());

        var typo = await ProblemAsync(await Http.GetAsync("/api/v1/metrics/query?metrics=revenue&granularty=month"), HttpStatusCode.BadRequest);
        Assert.Contains("did you mean 'granularity'?", typo.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var injection = await ProblemAsync(await Http.GetAsync("/api/v1/metrics/query?metrics=revenue&filter=" + Uri.EscapeDataString("amount:gt:1;drop table orders")), HttpStatusCode.BadRequest);
        Assert.Equal("filter", injection.GetProperty("parameter").GetString());

        var ok = await Http.GetFromJsonAsync<JsonElement>("/api/v1/metrics/query?metrics=orders");
        Assert.Equal(3000, ok.GetProperty("rows")[0].GetProperty("orders").GetInt64());
    }

    [Fact]
    public async Task Cache_hits_and_misses_are_counted_in_prometheus()
    {
        await Http.GetAsync("/api/v1/metrics/query?metrics=customers&dimensions=segment");
        await Http.GetAsync("/api/v1/metrics/query?metrics=customers&dimensions=segment");
        var text = await Http.GetStringAsync("/metrics");
        double Value(string name) => double.Parse(text.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal)).Split(' ')[1], CultureInfo.InvariantCulture);
        Assert.True(Value("ladle_metric_cache_hits_total") >= 1);
        Assert.True(Value("ladle_metric_cache_misses_total") >= 1);
        Assert.True(Value("ladle_metric_cache_entries") >= 1);
    }
}
