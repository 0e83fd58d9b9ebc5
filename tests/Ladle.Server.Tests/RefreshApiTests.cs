using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Ladle.Server.Tests;

/// <summary>POST /api/v1/datasets/{name}/refresh over loopback HTTP, each test on its own server and project.</summary>
public sealed class RefreshApiTests
{
    private static string Orders(int rows) => "id,amount\n" + string.Concat(Enumerable.Range(1, rows).Select(i => $"{i},{i}.50\n"));

    private static Task<LoopbackServer> StartAsync(bool dev = true) => LoopbackServer.StartAsync(root =>
    {
        LoopbackServer.File(root, "ladle.yaml", """
            name: refresh
            server:
              run_retries: 0
            sources:
              files:
                kind: files
                path: data
              crm:
                kind: sqlite
                path: data/crm.sqlite
            """);
        LoopbackServer.File(root, "data/orders.csv", Orders(10));
        LoopbackServer.File(root, "datasets/orders.yaml", """
            name: orders
            source: files
            table: orders.csv
            primary_key: [id]
            checks:
              - name: ids_present
                type: not_null
                column: id
            """);
        LoopbackServer.File(root, "datasets/orders_live.yaml", "name: orders_live\nsource: files\ntable: orders.csv\nmaterialization: live\n");
        // The SQLite file never exists: its source is unreachable.
        LoopbackServer.File(root, "datasets/broken_items.yaml", "name: broken_items\nsource: crm\ntable: items\n");
        LoopbackServer.File(root, "datasets/broken_input.yaml", "name: broken_input\nsource: files\ntable: nothing-*.csv\n");
        LoopbackServer.File(root, "datasets/broken_contract.yaml", "name: broken_contract\nsource: files\ntable: orders.csv\ncolumns:\n  - name: sku\n    type: string\n");
        LoopbackServer.File(root, "datasets/broken_dependent.yaml", "name: broken_dependent\nsql: select count(*) as n from broken_input\n");
    }, dev);

    private static async Task<JsonElement> VersionsAsync(HttpClient http, string dataset) =>
        (await http.GetFromJsonAsync<JsonElement>($"/api/v1/datasets/{dataset}/versions")).GetProperty("versions");

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string kind)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.Equal($"https://ladle.dev/problems/{kind}", problem.GetProperty("type").GetString());
        return problem;
    }

    [Fact]
    public async Task Refresh_answers_202_with_a_location_and_the_run_publishes_a_version_recorded_as_api()
    {
        await using var server = await StartAsync();
        using var response = await server.Http.PostAsync("/api/v1/datasets/orders/refresh", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("/api/v1/datasets/orders/versions", response.Headers.Location!.OriginalString);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("orders", body.GetProperty("dataset").GetString());
        Assert.Equal("api", body.GetProperty("trigger").GetString());
        Assert.False(body.GetProperty("coalesced").GetBoolean());
        Assert.True(body.TryGetProperty("requested_at", out _));

        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonElement newest;
        do
        {
            await Task.Delay(20);
            newest = (await VersionsAsync(server.Http, "orders"))[0];
        }
        // Until the queued run reaches the ledger, the newest version is still the published version 1.
        while ((newest.GetProperty("version").GetInt64() < 2 || newest.GetProperty("status").GetString() != "published") && DateTime.UtcNow < deadline);
        Assert.Equal(2, newest.GetProperty("version").GetInt64());
        Assert.Equal("published", newest.GetProperty("status").GetString());
        Assert.Equal("api", newest.GetProperty("trigger").GetString());
    }

    [Fact]
    public async Task Refresh_with_wait_answers_200_with_the_published_run_and_serves_it()
    {
        await using var server = await StartAsync();
        LoopbackServer.File(server.Root, "data/orders.csv", Orders(3));

        using var response = await server.Http.PostAsync("/api/v1/datasets/orders/refresh?wait=true", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var run = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("orders", run.GetProperty("dataset").GetString());
        Assert.Equal("api", run.GetProperty("trigger").GetString());
        Assert.Equal("published", run.GetProperty("outcome").GetString());
        Assert.Equal(2, run.GetProperty("version").GetInt64());
        Assert.Equal(3, run.GetProperty("rows").GetInt64());
        Assert.Equal(1, run.GetProperty("attempts").GetInt32());
        var check = Assert.Single(run.GetProperty("checks").EnumerateArray());
        Assert.Equal(("ids_present", "passed"), (check.GetProperty("name").GetString(), check.GetProperty("outcome").GetString()));

        using var rows = await server.Http.GetAsync("/api/v1/datasets/orders/rows");
        Assert.Equal("2", rows.Headers.GetValues("Ladle-Dataset-Version").Single());
        Assert.Equal(3, (await rows.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rows").GetArrayLength());
    }

    [Fact]
    public async Task Refresh_with_wait_answers_422_when_the_version_is_quarantined_and_the_previous_one_stays_served()
    {
        await using var server = await StartAsync();
        LoopbackServer.File(server.Root, "data/orders.csv", "id,amount\n1,1.50\n,2.50\n");

        using var response = await server.Http.PostAsync("/api/v1/datasets/orders/refresh?wait=true", null);
        var problem = await ProblemAsync(response, HttpStatusCode.UnprocessableEntity, "quarantined");
        Assert.Contains("ids_present", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var run = problem.GetProperty("run");
        Assert.Equal("quarantined", run.GetProperty("outcome").GetString());
        Assert.Equal(2, run.GetProperty("version").GetInt64());
        Assert.Equal(1, run.GetProperty("attempts").GetInt32());

        using var rows = await server.Http.GetAsync("/api/v1/datasets/orders/rows");
        Assert.Equal("1", rows.Headers.GetValues("Ladle-Dataset-Version").Single());
        Assert.Equal("failed", rows.Headers.GetValues("Ladle-Data-Status").Single());
        Assert.Equal(10, (await rows.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rows").GetArrayLength());
    }

    [Fact]
    public async Task Refresh_with_wait_answers_503_for_an_unreachable_source_422_for_a_failed_build_and_424_when_an_input_failed()
    {
        await using var server = await StartAsync();

        using var contract = await server.Http.PostAsync("/api/v1/datasets/broken_contract/refresh?wait=true", null);
        var failed = await ProblemAsync(contract, HttpStatusCode.UnprocessableEntity, "materialization-failed");
        Assert.Contains("'sku'", failed.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("/api/v1/datasets/broken_contract/refresh", failed.GetProperty("instance").GetString());
        Assert.Equal("failed", failed.GetProperty("run").GetProperty("outcome").GetString());

        using var unreachable = await server.Http.PostAsync("/api/v1/datasets/broken_items/refresh?wait=true", null);
        var problem = await ProblemAsync(unreachable, HttpStatusCode.ServiceUnavailable, "source-unavailable");
        Assert.Contains("does not exist", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(("source_unavailable", "source-unavailable"), (problem.GetProperty("run").GetProperty("outcome").GetString(), problem.GetProperty("category").GetString()));

        // broken_dependent's input was never published, so the refresh builds it first; it fails, so nothing is built on it.
        using var dependent = await server.Http.PostAsync("/api/v1/datasets/broken_dependent/refresh?wait=true", null);
        var skipped = await ProblemAsync(dependent, HttpStatusCode.FailedDependency, "dependency-failed");
        Assert.Equal("skipped: its dependency 'broken_input' failed to materialize", skipped.GetProperty("detail").GetString());
        Assert.Equal("skipped", skipped.GetProperty("run").GetProperty("outcome").GetString());
        Assert.Equal(0, (await VersionsAsync(server.Http, "broken_dependent")).GetArrayLength());
    }

    [Fact]
    public async Task Refresh_with_wait_while_another_node_holds_the_datasets_run_lease_waits_for_it_and_then_builds()
    {
        await using var server = await StartAsync();
        // Another node sharing the state is building orders: it holds the run lease (on another machine, so it is not
        // judged by its process).
        var lease = await server.Engine.State.TryAcquireRunLeaseAsync("orders", "node-b:4242:run-1", TimeSpan.FromMinutes(5), CancellationToken.None);
        Assert.NotNull(lease);

        // The refresh is not refused as a conflict: it waits for the other node's build, building nothing meanwhile.
        var asked = server.Http.PostAsync("/api/v1/datasets/orders/refresh?wait=true", null);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(asked.IsCompleted, "the refresh answered while another node held the run lease");
        Assert.Equal(1, (await VersionsAsync(server.Http, "orders")).GetArrayLength());

        // Once the other node is done, the refresh builds.
        Assert.True(await server.Engine.State.ReleaseRunLeaseAsync(lease, CancellationToken.None));
        using var again = await asked;
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(2, (await VersionsAsync(server.Http, "orders"))[0].GetProperty("version").GetInt64());
    }

    /// <summary>
    /// The failing datasets every run path must report alike (see FailureCategoryTests and the CLI's RunOutcomeTests):
    /// SQL PostgreSQL cannot parse, a version an error check quarantines, and a PostgreSQL source nobody answers at.
    /// </summary>
    private static Task<LoopbackServer> StartWithPostgresAsync() => LoopbackServer.StartAsync(root =>
    {
        var pg = Environment.GetEnvironmentVariable("LADLE_TEST_PG")
            ?? throw new InvalidOperationException("LADLE_TEST_PG is not set: run the tests through ./test.sh, which starts PostgreSQL on loopback");
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var suffix = Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();
        Environment.SetEnvironmentVariable("LADLE_TEST_PG_UP_" + suffix, pg);
        Environment.SetEnvironmentVariable("LADLE_TEST_PG_DOWN_" + suffix, $"Host=127.0.0.1;Port={closedPort};Username=postgres;Database=postgres;Pooling=false;Timeout=5");
        LoopbackServer.File(root, "ladle.yaml", $"""
            name: outcomes
            server:
              run_retries: 1
              retry_backoff: 1s
            sources:
              warehouse:
                kind: postgres
                connection_env: LADLE_TEST_PG_UP_{suffix}
              down:
                kind: postgres
                connection_env: LADLE_TEST_PG_DOWN_{suffix}
            """);
        LoopbackServer.File(root, "datasets/bad_sql.yaml", "name: bad_sql\nsource: warehouse\nsql: SELEC 1 AS id\n");
        LoopbackServer.File(root, "datasets/null_ids.yaml",
            "name: null_ids\nsource: warehouse\nsql: SELECT NULL::int AS id\nchecks:\n  - name: ids_present\n    type: not_null\n    column: id\n");
        LoopbackServer.File(root, "datasets/unreachable.yaml", "name: unreachable\nsource: down\ntable: public.orders\n");
    }, materialize: false);

    [Fact]
    public async Task Refresh_with_wait_reports_query_failed_unretried_quarantined_and_source_unavailable_retried_from_the_one_error_table()
    {
        await using var server = await StartWithPostgresAsync();
        // The server's start-up builds what never published (all three here, as `ladle serve` does): let those end first.
        await Task.WhenAll(server.Host.StartupBuilds.Select(b => b.Run.Completion));
        var quarantinedBefore = (await VersionsAsync(server.Http, "null_ids")).GetArrayLength();
        var unreachableBefore = (await VersionsAsync(server.Http, "unreachable")).GetArrayLength();

        using var badSql = await server.Http.PostAsync("/api/v1/datasets/bad_sql/refresh?wait=true", null);
        var failed = await ProblemAsync(badSql, HttpStatusCode.UnprocessableEntity, "materialization-failed");
        Assert.Equal("query-failed", failed.GetProperty("category").GetString());
        var failedRun = failed.GetProperty("run");
        Assert.Equal(("failed", "query-failed", 1), (failedRun.GetProperty("outcome").GetString(), failedRun.GetProperty("category").GetString(), failedRun.GetProperty("attempts").GetInt32()));
        Assert.StartsWith("dataset 'bad_sql' (datasets/bad_sql.yaml)", failed.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("42601", failed.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var nullIds = await server.Http.PostAsync("/api/v1/datasets/null_ids/refresh?wait=true", null);
        var quarantined = (await ProblemAsync(nullIds, HttpStatusCode.UnprocessableEntity, "quarantined")).GetProperty("run");
        Assert.Equal(("quarantined", JsonValueKind.Null, quarantinedBefore + 1L, 1), (quarantined.GetProperty("outcome").GetString(), quarantined.GetProperty("category").ValueKind,
            quarantined.GetProperty("version").GetInt64(), quarantined.GetProperty("attempts").GetInt32()));

        using var unreachable = await server.Http.PostAsync("/api/v1/datasets/unreachable/refresh?wait=true", null);
        var unavailable = await ProblemAsync(unreachable, HttpStatusCode.ServiceUnavailable, "source-unavailable");
        Assert.Contains("source 'down' (postgres) is unreachable", unavailable.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var retried = unavailable.GetProperty("run");
        // Retried once (run_retries: 1) before the answer.
        Assert.Equal(("source_unavailable", "source-unavailable", 2), (retried.GetProperty("outcome").GetString(), retried.GetProperty("category").GetString(), retried.GetProperty("attempts").GetInt32()));
        Assert.Equal(unreachableBefore + 2, (await VersionsAsync(server.Http, "unreachable")).GetArrayLength());
    }

    [Fact]
    public async Task Refresh_refuses_unknown_and_live_datasets_and_a_bad_wait_with_problems()
    {
        await using var server = await StartAsync();

        using var unknown = await server.Http.PostAsync("/api/v1/datasets/ordres/refresh", null);
        Assert.Contains("did you mean 'orders'?", (await ProblemAsync(unknown, HttpStatusCode.NotFound, "not-found")).GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var live = await server.Http.PostAsync("/api/v1/datasets/orders_live/refresh", null);
        Assert.Contains("live datasets are read from their source on every request; nothing to refresh",
            (await ProblemAsync(live, HttpStatusCode.BadRequest, "invalid-request")).GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var badWait = await server.Http.PostAsync("/api/v1/datasets/orders/refresh?wait=soon", null);
        Assert.Equal("wait", (await ProblemAsync(badWait, HttpStatusCode.BadRequest, "invalid-request")).GetProperty("parameter").GetString());

        // None of them started a run.
        Assert.Equal(1, (await VersionsAsync(server.Http, "orders")).GetArrayLength());
    }

    [Fact]
    public async Task Refresh_without_credentials_is_401_and_runs_nothing()
    {
        await using var server = await StartAsync(dev: false);
        using var response = await server.Http.PostAsync("/api/v1/datasets/orders/refresh", null);
        await ProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Single(await server.Engine.State.ListVersionsAsync("orders", 10, CancellationToken.None));
    }

    [Fact]
    public async Task Checks_run_on_demand_on_the_served_version_or_the_source_and_publish_nothing()
    {
        await using var server = await StartAsync();
        // The file gains a null id after version 1 was published: the served version still passes…
        LoopbackServer.File(server.Root, "data/orders.csv", Orders(10) + ",1.50\n");
        using var served = await server.Http.PostAsync("/api/v1/datasets/orders/checks/run", null);
        var body = await served.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(served.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Equal((1L, false), (body.GetProperty("version").GetInt64(), body.GetProperty("blocking").GetBoolean()));
        var result = Assert.Single(body.GetProperty("results").EnumerateArray());
        Assert.Equal(("ids_present", "passed"), (result.GetProperty("check").GetString(), result.GetProperty("outcome").GetString()));
        Assert.Single(await server.Engine.State.ListVersionsAsync("orders", 10, CancellationToken.None));
        // …and the run is in the check history.
        var history = (await server.Http.GetFromJsonAsync<JsonElement>("/api/v1/datasets/orders/checks")).GetProperty("results");
        Assert.True(history.GetArrayLength() >= 2, history.ToString());

        using var unknown = await server.Http.PostAsync("/api/v1/datasets/nope/checks/run", null);
        await ProblemAsync(unknown, HttpStatusCode.NotFound, "not-found");
        using var never = await server.Http.PostAsync("/api/v1/datasets/broken_items/checks/run", null);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, never.StatusCode);
    }

    [Fact]
    public async Task Checks_run_on_demand_takes_an_admin()
    {
        await using var server = await StartAsync(dev: false);
        using var response = await server.Http.PostAsync("/api/v1/datasets/orders/checks/run", null);
        await ProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Concurrent_refreshes_coalesce_and_never_build_the_same_dataset_twice_at_once()
    {
        await using var server = await StartAsync();
        LoopbackServer.File(server.Root, "data/orders.csv", Orders(20_000));

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => server.Http.PostAsync("/api/v1/datasets/orders/refresh?wait=true", null)));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var versions = (await server.Engine.State.ListVersionsAsync("orders", 100, CancellationToken.None)).OrderBy(v => v.Version).ToList();
        // Requests that arrive while a run is queued join it, so there is at most one run per request, usually far fewer.
        Assert.InRange(versions.Count - 1, 1, 8);
        // Every run published; retention may since have dropped the older ones.
        Assert.All(versions, v => Assert.Contains(v.Status, new[] { Engine.State.VersionStatus.Published, Engine.State.VersionStatus.Dropped }));
        for (var i = 1; i < versions.Count; i++)
            Assert.True(versions[i].StartedAt >= versions[i - 1].FinishedAt, $"version {versions[i].Version} began before version {versions[i - 1].Version} ended");
        foreach (var r in responses) r.Dispose();
    }

    /// <summary>A project whose runs retry source errors for hours: a wait that returns at all was not retried.</summary>
    private static Task<LoopbackServer> StartWithBadSourcesAsync() => LoopbackServer.StartAsync(root =>
    {
        LoopbackServer.File(root, "ladle.yaml", """
            name: faults
            server:
              run_retries: 3
              retry_backoff: 1h
            sources:
              files:
                kind: files
                path: data
            """);
        using (var duck = new DuckDB.NET.Data.DuckDBConnection("Data Source=:memory:"))
        {
            duck.Open();
            using var copy = duck.CreateCommand();
            Directory.CreateDirectory(Path.Combine(root, "data"));
            copy.CommandText = $"COPY (SELECT range AS id FROM range(1000)) TO '{Path.Combine(root, "data", "orders.parquet")}' (FORMAT parquet)";
            copy.ExecuteNonQuery();
        }
        LoopbackServer.File(root, "datasets/orders.yaml", "name: orders\nsource: files\ntable: orders.parquet\n");
        LoopbackServer.File(root, "datasets/orders_live.yaml", "name: orders_live\nsource: files\ntable: orders.parquet\nmaterialization: live\n");
        LoopbackServer.File(root, "data/cities.csv", "name,population\nOslo,709000\nBergen,291000\nNowhere,many\n");
        const string Columns = "columns:\n  - name: name\n    type: string\n  - name: population\n    type: integer\n";
        LoopbackServer.File(root, "datasets/broken_cities.yaml", "name: broken_cities\nsource: files\ntable: cities.csv\n" + Columns);
        LoopbackServer.File(root, "datasets/cities_kept.yaml", "name: cities_kept\nsource: files\ntable: cities.csv\non_bad_rows: reject\n" + Columns);
    });

    [Fact]
    public async Task Refresh_with_wait_answers_422_at_once_for_a_truncated_file_or_a_row_that_breaks_the_contract_naming_where_never_the_value()
    {
        await using var server = await StartWithBadSourcesAsync();
        var parquet = Path.Combine(server.Root, "data", "orders.parquet");
        var bytes = await File.ReadAllBytesAsync(parquet);
        await File.WriteAllBytesAsync(parquet, bytes[..(bytes.Length / 2)]);

        using var truncated = await server.Http.PostAsync("/api/v1/datasets/orders/refresh?wait=true", null);
        var problem = await ProblemAsync(truncated, HttpStatusCode.UnprocessableEntity, "materialization-failed");
        var detail = problem.GetProperty("detail").GetString();
        Assert.Contains("data/orders.parquet: Invalid Input Error: No magic bytes found at end of file", detail, StringComparison.Ordinal);
        Assert.Equal(1, problem.GetProperty("run").GetProperty("attempts").GetInt32());
        // The last good version is still served.
        using (var rows = await server.Http.GetAsync("/api/v1/datasets/orders/rows?limit=1"))
        {
            Assert.Equal(HttpStatusCode.OK, rows.StatusCode);
            Assert.Equal("1", rows.Headers.GetValues("Ladle-Dataset-Version").Single());
        }
        // A live read of the same file is the same error, not an outage.
        using var live = await server.Http.GetAsync("/api/v1/datasets/orders_live/rows");
        var liveProblem = await ProblemAsync(live, HttpStatusCode.UnprocessableEntity, "source-data-invalid");
        Assert.Equal("files", liveProblem.GetProperty("source").GetString());
        Assert.Contains("data/orders.parquet", liveProblem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var contract = await server.Http.PostAsync("/api/v1/datasets/broken_cities/refresh?wait=true", null);
        var broken = await ProblemAsync(contract, HttpStatusCode.UnprocessableEntity, "materialization-failed");
        Assert.StartsWith("datasets/broken_cities.yaml: column population: the value at data/cities.csv:4 is not an integer",
            broken.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, broken.GetProperty("run").GetProperty("attempts").GetInt32());
        foreach (var url in new[] { "/api/v1/datasets/broken_cities/versions", "/api/v1/datasets/broken_cities/health", "/api/v1/datasets/cities_kept/checks" })
            Assert.DoesNotContain("many", await server.Http.GetStringAsync(url), StringComparison.Ordinal);
        Assert.DoesNotContain("many", broken.ToString(), StringComparison.Ordinal);

        var checks = await server.Http.GetFromJsonAsync<JsonElement>("/api/v1/datasets/cities_kept/checks");
        var badRows = checks.GetProperty("results").EnumerateArray().Single(r => r.GetProperty("check").GetString() == "bad_rows");
        Assert.Equal(("failed", "warn", 1L, 3L), (badRows.GetProperty("outcome").GetString(), badRows.GetProperty("severity").GetString(),
            badRows.GetProperty("failing_rows").GetInt64(), badRows.GetProperty("total_rows").GetInt64()));
        Assert.Equal("data/cities.csv", badRows.GetProperty("sample")[0].GetProperty("file").GetString());
    }
}
