using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Ladle.Cli.Tests;

/// <summary>
/// Several real `ladle serve` nodes, each with its own project folder and store, sharing one PostgreSQL state and one
/// folder of versions (<c>storage: { kind: folder }</c>): what one node publishes, quarantines or revokes, the others
/// serve, report or refuse within moments, through LISTEN/NOTIFY, without building anything themselves.
/// </summary>
public sealed class SeveralNodesTests : IAsyncDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "ladle-nodes-" + Guid.NewGuid().ToString("N"));
    private readonly string _schema = "nodes_" + Guid.NewGuid().ToString("N")[..12];
    private readonly string _variable = "LADLE_TEST_NODES_PG_" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();
    private readonly string _connectionString = Environment.GetEnvironmentVariable("LADLE_TEST_PG")
        ?? throw new InvalidOperationException("LADLE_TEST_PG is not set: run the tests through ./test.sh, which starts PostgreSQL on loopback");

    public SeveralNodesTests() =>
        // Child processes inherit this process's environment; the name is this test's own.
        Environment.SetEnvironmentVariable(_variable, _connectionString);

    private string SharedFolder => Path.Combine(_root, "shared");

    /// <summary>A node: a project folder of its own (its own store and source file), this test's state schema and shared folder.</summary>
    private string Node(string name, bool secured = false, long? rowsPerMinute = null, string? schedule = null, int? alertPort = null)
    {
        var dir = Path.Combine(_root, name);
        ItemsProject.Write(dir, "nodes", 1_000);
        File.AppendAllText(Path.Combine(dir, "ladle.yaml"), $"""

            state:
              kind: postgres
              connection_env: {_variable}
              schema: {_schema}
            storage:
              kind: folder
              path: {SharedFolder}
            """);
        // An error check: a price above a million quarantines the version.
        File.AppendAllText(Path.Combine(dir, "datasets", "items.yaml"), "\nchecks:\n  - { type: range, column: price, max: 1000000, name: sane_price }\n");
        if (alertPort is { } port)
            File.AppendAllText(Path.Combine(dir, "ladle.yaml"), $$"""

                alerts:
                  hook: { kind: webhook, url: "http://127.0.0.1:{{port}}/hook" }
                server:
                  status_interval: 1s
                """);
        if (schedule is not null) File.AppendAllText(Path.Combine(dir, "datasets", "items.yaml"), $"schedule: \"{schedule}\"\n");
        Directory.CreateDirectory(Path.Combine(dir, "models"));
        File.WriteAllText(Path.Combine(dir, "models", "items.yaml"), """
            dataset: items
            measures:
              - { name: item_count, agg: count }
            metrics:
              - { name: items_listed, measure: item_count }
            """);
        if (secured)
            File.WriteAllText(Path.Combine(dir, "access.yaml"),
                "roles:\n  reader:\n    grants:\n      - { actions: [read], datasets: ['*'] }\nprincipals:\n  ada: { roles: [reader] }\n" +
                (rowsPerMinute is { } rows ? $"rate_limits:\n  ada: {{ rows_per_minute: {rows} }}\n" : ""));
        return dir;
    }

    [Fact]
    public async Task A_version_published_on_one_node_is_served_by_the_others_from_the_shared_folder_and_its_quarantine_is_reported_there()
    {
        var nodeA = Node("a");
        var nodeB = Node("b");
        var nodeC = Node("c");
        await using var a = await ServeProcess.StartAsync(nodeA);
        await WaitForStatusAsync(a, 1, "published");
        await using var b = await ServeProcess.StartAsync(nodeB);
        await using var c = await ServeProcess.StartAsync(nodeC);

        // B built nothing: it serves A's version 1, loaded from the shared folder at its start.
        var (version, lines) = await RowsAsync(b);
        Assert.True(version == 1, $"node B serves version {version}\n{b.Output}");
        Assert.Equal(1_001, lines);
        Assert.Equal(1_000L, await ItemsListedAsync(b));
        Assert.Equal([(1L, "published")], await VersionsInPostgresAsync());

        // A publishes version 2; B learns it by notification and serves it (rows and metric answers), still building nothing.
        Sqlite(nodeA, "WITH RECURSIVE n(i) AS (SELECT 1001 UNION ALL SELECT i + 1 FROM n WHERE i < 1500) INSERT INTO items SELECT i, 'item number ' || i, i * 0.25 FROM n");
        using (var refresh = await a.Http.PostAsync("/api/v1/datasets/items/refresh?wait=true", null))
            Assert.True(refresh.StatusCode == HttpStatusCode.OK, await refresh.Content.ReadAsStringAsync() + a.Output);
        var published = Stopwatch.StartNew();
        await WaitAsync(b, async () => (await RowsAsync(b)).Version == 2, "node B to serve version 2");
        var servedAfter = published.Elapsed;
        await WaitAsync(c, async () => (await RowsAsync(c)).Version == 2, "node C to serve version 2");
        var servedEverywhereAfter = published.Elapsed;
        Assert.Equal(1_501, (await RowsAsync(b)).Lines);
        Assert.Equal(1_500L, await ItemsListedAsync(b));
        Assert.Equal((2L, 1_501), await RowsAsync(c));
        Assert.Equal(1_500L, await ItemsListedAsync(c));
        Assert.Equal([(2L, "published"), (1L, "published")], await VersionsInPostgresAsync());
        Assert.True(File.Exists(Path.Combine(SharedFolder, "items", "v2", "data.parquet")));
        Assert.True(File.Exists(Path.Combine(SharedFolder, "items", "v2", "version.json")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(SharedFolder, ".staging")));

        // A's next version fails its error check: quarantined on A, and B reports the dataset failed, still serving version 2.
        Sqlite(nodeA, "INSERT INTO items VALUES (9999, 'overpriced', 5000000)");
        using (var refresh = await a.Http.PostAsync("/api/v1/datasets/items/refresh?wait=true", null))
            Assert.False(refresh.IsSuccessStatusCode, "the version with a price of five million published");
        await WaitAsync(b, async () => await StatusAsync(b) == "failed", "node B to report the quarantine");
        await WaitAsync(c, async () => await StatusAsync(c) == "failed", "node C to report the quarantine");
        Assert.Equal((2L, 1_501), await RowsAsync(b));
        Assert.Equal([(3L, "quarantined"), (2L, "published"), (1L, "published")], await VersionsInPostgresAsync());
        Assert.False(Directory.Exists(Path.Combine(SharedFolder, "items", "v3")), "a quarantined version was shared");
        Console.WriteLine($"node B served version 2 {servedAfter.TotalMilliseconds:F0} ms after node A's refresh answered, and nodes B and C both {servedEverywhereAfter.TotalMilliseconds:F0} ms after");
    }

    [Fact]
    public async Task A_schedule_due_on_three_nodes_runs_once_per_due_time_and_every_node_serves_it()
    {
        var nodeA = Node("a", schedule: "* * * * *");
        var nodeB = Node("b", schedule: "* * * * *");
        var nodeC = Node("c", schedule: "* * * * *");
        await using var a = await ServeProcess.StartAsync(nodeA);
        await WaitForStatusAsync(a, 1, "published");
        await using var b = await ServeProcess.StartAsync(nodeB);
        await using var c = await ServeProcess.StartAsync(nodeC);

        // Two due times pass with all three nodes up (each node's scheduler sees both).
        var nodesUp = DateTimeOffset.UtcNow;
        await WaitAsync(a, async () => (await VersionsWithTriggersAsync()).Count(v => v.Trigger == "schedule" && v.StartedAt > nodesUp) >= 2,
            "two scheduled runs", TimeSpan.FromMinutes(3));
        // Let any node that would fire the same due time late do so.
        await Task.Delay(TimeSpan.FromSeconds(5));

        var scheduled = (await VersionsWithTriggersAsync()).Where(v => v.Trigger == "schedule").ToList();
        var perMinute = scheduled.GroupBy(v => new DateTime(v.StartedAt.Year, v.StartedAt.Month, v.StartedAt.Day, v.StartedAt.Hour, v.StartedAt.Minute, 0)).ToList();
        var all = string.Join(", ", scheduled.Select(v => $"v{v.Version} {v.Status} {v.StartedAt:HH:mm:ss.fff}"));
        Assert.True(perMinute.All(g => g.Count() == 1), $"a due time ran more than once: {all}");
        Assert.True(scheduled.All(v => v.Status == "published"), all);
        // No node even tried to build what another node was building (before, the losers' runs ended as conflicts).
        foreach (var node in new[] { a, b, c })
            Assert.DoesNotContain("holds its run lease", node.Output, StringComparison.Ordinal);
        var newest = scheduled.Max(v => v.Version);
        foreach (var node in new[] { a, b, c })
            await WaitAsync(node, async () => (await RowsAsync(node)).Version >= newest, $"every node to serve version {newest}");
    }

    [Fact]
    public async Task A_node_killed_mid_build_has_its_run_finished_by_another_and_every_node_serves_it()
    {
        var nodeA = Node("a");
        var nodeB = Node("b");
        var nodeC = Node("c");
        await using var b = await ServeProcess.StartAsync(nodeB);
        await WaitForStatusAsync(b, 1, "published");
        await using var c = await ServeProcess.StartAsync(nodeC);
        await using (var a = await ServeProcess.StartAsync(nodeA))
        {
            // Enough rows on A that its build takes seconds, so it is killed while it builds.
            Sqlite(nodeA, "WITH RECURSIVE n(i) AS (SELECT 1001 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000) INSERT INTO items SELECT i, 'item number ' || i, i * 0.25 FROM n");
            using var refresh = await a.Http.PostAsync("/api/v1/datasets/items/refresh", null);
            Assert.Equal(HttpStatusCode.Accepted, refresh.StatusCode);
            await WaitForStatusAsync(a, 2, "building");
            await a.KillAsync();
        }
        Assert.Contains((2L, "building"), await VersionsInPostgresAsync());

        // B or C finds the build abandoned (its lease names a process that is gone), records it interrupted and runs it again.
        await WaitAsync(b, async () => (await VersionsInPostgresAsync())[0] == (3L, "published"), "node B or C to publish version 3", TimeSpan.FromMinutes(5));
        var versions = await VersionsWithTriggersAsync();
        var described = string.Join(", ", versions.Select(v => $"v{v.Version} {v.Status} {v.Trigger}"));
        Assert.True(versions.Select(v => (v.Version, v.Status, v.Trigger)).SequenceEqual([(3L, "published", "recovery"), (2L, "interrupted", "api"), (1L, "published", "startup")]),
            described + "\n" + b.Output + c.Output);
        foreach (var node in new[] { b, c })
            await WaitAsync(node, async () => (await RowsAsync(node)).Version == 3, "every live node to serve version 3");
        Assert.Equal((3L, 1_001), await RowsAsync(b));
        Assert.Equal((3L, 1_001), await RowsAsync(c));
        Assert.False(Directory.Exists(Path.Combine(SharedFolder, "items", "v2")), "the killed build's version was shared");
    }

    [Fact]
    public async Task A_refresh_asked_of_one_node_while_another_builds_waits_for_that_build_and_then_builds()
    {
        var nodeA = Node("a");
        var nodeB = Node("b");
        await using var a = await ServeProcess.StartAsync(nodeA);
        await WaitForStatusAsync(a, 1, "published");
        await using var b = await ServeProcess.StartAsync(nodeB);
        Sqlite(nodeA, "WITH RECURSIVE n(i) AS (SELECT 1001 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000) INSERT INTO items SELECT i, 'item number ' || i, i * 0.25 FROM n");
        using (var refresh = await a.Http.PostAsync("/api/v1/datasets/items/refresh", null))
            Assert.Equal(HttpStatusCode.Accepted, refresh.StatusCode);
        await WaitForStatusAsync(a, 2, "building");

        // Asked of B while A builds: B does not fail it as a conflict, nor build beside A; it builds once A is done.
        using (var asked = await b.Http.PostAsync("/api/v1/datasets/items/refresh", null))
            Assert.Equal(HttpStatusCode.Accepted, asked.StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.True((await VersionsInPostgresAsync())[0] == (2L, "building"), "node A finished before node B asked: the test proves nothing");
        await WaitAsync(b, async () => (await VersionsInPostgresAsync())[0] == (3L, "published"), "node B's run to publish version 3", TimeSpan.FromMinutes(5));
        var versions = await VersionsWithTriggersAsync();
        Assert.Equal([(3L, "published"), (2L, "published"), (1L, "published")], versions.Select(v => (v.Version, v.Status)));
        // B's build began after A's ended.
        Assert.True(versions[0].StartedAt >= versions[1].FinishedAt, string.Join(", ", versions));
        Assert.Equal((3L, 1_001), await RowsAsync(b));
        await WaitAsync(a, async () => (await RowsAsync(a)).Version == 3, "node A to serve B's version 3");
    }

    [Fact]
    public async Task A_node_that_joins_later_reads_a_cursor_pinned_to_an_older_retained_version_from_the_shared_folder()
    {
        var nodeA = Node("a");
        var nodeC = Node("c");
        await using var a = await ServeProcess.StartAsync(nodeA);
        await WaitForStatusAsync(a, 1, "published");
        // A client pages through version 1 on node A...
        string cursor;
        using (var first = await a.Http.GetAsync("/api/v1/datasets/items/rows?limit=1"))
        {
            Assert.Equal("1", first.Headers.GetValues("Ladle-Dataset-Version").Single());
            cursor = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("next_cursor").GetString()!;
        }
        Sqlite(nodeA, "WITH RECURSIVE n(i) AS (SELECT 1001 UNION ALL SELECT i + 1 FROM n WHERE i < 1500) INSERT INTO items SELECT i, 'item number ' || i, i * 0.25 FROM n");
        using (var refresh = await a.Http.PostAsync("/api/v1/datasets/items/refresh?wait=true", null))
            Assert.True(refresh.StatusCode == HttpStatusCode.OK, await refresh.Content.ReadAsStringAsync() + a.Output);

        // ...and the load balancer sends its next page to node C, started after version 2 was published: C serves
        // version 2, and loads version 1 (still retained) from the shared folder for the cursor.
        await using var c = await ServeProcess.StartAsync(nodeC);
        Assert.Equal(2L, (await RowsAsync(c)).Version);
        using (var next = await c.Http.GetAsync($"/api/v1/datasets/items/rows?limit=1&cursor={Uri.EscapeDataString(cursor)}"))
        {
            var body = await next.Content.ReadAsStringAsync();
            Assert.True(next.StatusCode == HttpStatusCode.OK, body + c.Output);
            Assert.Equal("1", next.Headers.GetValues("Ladle-Dataset-Version").Single());
            var rows = JsonDocument.Parse(body).RootElement.GetProperty("rows");
            Assert.Equal(1, rows.GetArrayLength());
        }
        // The same page from node A, which held version 1 all along, is the same answer.
        using var fromA = await a.Http.GetAsync($"/api/v1/datasets/items/rows?limit=1&cursor={Uri.EscapeDataString(cursor)}");
        using var fromC = await c.Http.GetAsync($"/api/v1/datasets/items/rows?limit=1&cursor={Uri.EscapeDataString(cursor)}");
        Assert.Equal((await fromA.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rows").GetRawText(),
            (await fromC.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rows").GetRawText());
        // Still served: version 2.
        Assert.Equal((2L, 1_501), await RowsAsync(c));
    }

    [Fact]
    public async Task An_incident_one_node_opens_and_resolves_is_listed_alike_by_every_node_and_alerted_once()
    {
        var port = ServeProcess.FreePort();
        using var hook = new HttpListener();
        hook.Prefixes.Add($"http://127.0.0.1:{port}/");
        hook.Start();
        var alerts = new List<string>();
        var receiving = Task.Run(async () =>
        {
            while (true)
            {
                HttpListenerContext context;
                try { context = await hook.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
                using (var reader = new StreamReader(context.Request.InputStream))
                {
                    var alert = JsonDocument.Parse(await reader.ReadToEndAsync()).RootElement;
                    lock (alerts) alerts.Add($"{alert.GetProperty("event").GetString()} {alert.GetProperty("dataset").GetString()} {alert.GetProperty("kind").GetString()}");
                }
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        });
        // Every node re-evaluates every dataset's status each second: each has every chance to alert again.
        var nodeA = Node("a", alertPort: port);
        var nodeB = Node("b", alertPort: port);
        var nodeC = Node("c", alertPort: port);
        await using var a = await ServeProcess.StartAsync(nodeA);
        await WaitForStatusAsync(a, 1, "published");
        await using var b = await ServeProcess.StartAsync(nodeB);
        await using var c = await ServeProcess.StartAsync(nodeC);

        // A's next version is quarantined: one incident opens, every node lists it, and it is alerted once.
        Sqlite(nodeA, "INSERT INTO items VALUES (9999, 'overpriced', 5000000)");
        using (var refresh = await a.Http.PostAsync("/api/v1/datasets/items/refresh?wait=true", null))
            Assert.False(refresh.IsSuccessStatusCode, "the version with a price of five million published");
        foreach (var node in new[] { a, b, c })
            await WaitAsync(node, async () => (await IncidentsAsync(node)).Contains("\"open\"", StringComparison.Ordinal), "every node to list the open incident");
        // A publishes again: the incident is resolved, every node lists it resolved, and that is alerted once.
        Sqlite(nodeA, "DELETE FROM items WHERE id = 9999");
        using (var refresh = await a.Http.PostAsync("/api/v1/datasets/items/refresh?wait=true", null))
            Assert.True(refresh.StatusCode == HttpStatusCode.OK, await refresh.Content.ReadAsStringAsync() + a.Output);
        foreach (var node in new[] { a, b, c })
            await WaitAsync(node, async () => await StatusAsync(node) == "ok", "every node to serve version 3 as ok");
        // Several status passes on every node: none may alert again.
        await Task.Delay(TimeSpan.FromSeconds(5));
        var listed = await IncidentsAsync(a);
        Assert.Contains("\"resolved\"", listed, StringComparison.Ordinal);
        Assert.Equal(listed, await IncidentsAsync(b));
        Assert.Equal(listed, await IncidentsAsync(c));
        Assert.Single(JsonDocument.Parse(listed).RootElement.EnumerateArray());
        lock (alerts) Assert.Equal(["incident_opened items failed", "incident_resolved items failed"], alerts);
        hook.Stop();
        await receiving;
    }

    private static async Task<string> IncidentsAsync(ServeProcess serve) =>
        (await serve.Http.GetFromJsonAsync<JsonElement>("/api/v1/incidents")).GetProperty("incidents").GetRawText();

    [Fact]
    public async Task A_token_revoked_on_one_node_is_refused_by_the_others()
    {
        var nodeA = Node("a", secured: true);
        var nodeB = Node("b", secured: true);
        var created = await LadleProcess.RunAsync("tokens", "create", "--principal", "ada", "--project", nodeA);
        Assert.True(created.ExitCode == 0, created.Out + created.Err);
        var token = created.Out.Split(' ', '\n', '\r', '│').First(w => w.StartsWith("ldl_", StringComparison.Ordinal));

        await using var a = await ServeProcess.StartAsync(nodeA, dev: false);
        await WaitForStatusAsync(a, 1, "published");
        await using var b = await ServeProcess.StartAsync(nodeB, dev: false);
        Assert.Equal(HttpStatusCode.OK, await RowsStatusAsync(b, token));
        Assert.Equal(HttpStatusCode.OK, await RowsStatusAsync(a, token));

        // Revoked through node A's project (the CLI writes the shared state): B refuses the token on its next request.
        var revoked = await LadleProcess.RunAsync("tokens", "revoke", token.Split('_')[1], "--project", nodeA);
        Assert.True(revoked.ExitCode == 0, revoked.Out + revoked.Err);
        Assert.Equal(HttpStatusCode.Unauthorized, await RowsStatusAsync(b, token));
        Assert.Equal(HttpStatusCode.Unauthorized, await RowsStatusAsync(a, token));
    }

    [Fact]
    public async Task A_node_whose_listening_connection_is_cut_reconnects_and_still_follows_publications()
    {
        var nodeA = Node("a");
        var nodeB = Node("b");
        await using var a = await ServeProcess.StartAsync(nodeA);
        await WaitForStatusAsync(a, 1, "published");
        await using var b = await ServeProcess.StartAsync(nodeB);
        Assert.Equal(1L, (await RowsAsync(b)).Version);

        // Every node's LISTEN session is ended by the server, as a failover or a network cut would.
        await WaitAsync(b, async () => await TerminateListenersAsync() >= 2, "both nodes to listen");
        using (var refresh = await a.Http.PostAsync("/api/v1/datasets/items/refresh?wait=true", null))
            Assert.True(refresh.StatusCode == HttpStatusCode.OK, await refresh.Content.ReadAsStringAsync() + a.Output);
        await WaitAsync(b, async () => (await RowsAsync(b)).Version == 2, "node B to serve version 2 after its connection was cut");
        Assert.Equal([(2L, "published"), (1L, "published")], await VersionsInPostgresAsync());
    }

    [Fact]
    public async Task A_principals_rows_per_minute_are_counted_across_nodes()
    {
        var nodeA = Node("a", secured: true, rowsPerMinute: 1_500);
        var nodeB = Node("b", secured: true, rowsPerMinute: 1_500);
        var created = await LadleProcess.RunAsync("tokens", "create", "--principal", "ada", "--project", nodeA);
        Assert.True(created.ExitCode == 0, created.Out + created.Err);
        var token = created.Out.Split(' ', '\n', '\r', '│').First(w => w.StartsWith("ldl_", StringComparison.Ordinal));
        await using var a = await ServeProcess.StartAsync(nodeA, dev: false);
        await WaitForStatusAsync(a, 1, "published");
        await using var b = await ServeProcess.StartAsync(nodeB, dev: false);

        // The budget is per minute of the clock: reads that straddle a minute's end are not one window, so try again.
        for (var attempt = 0; ; attempt++)
        {
            var minute = DateTime.UtcNow.Minute;
            // 1,000 rows on A, then 1,000 on B (allowed: 1,000 of 1,500 were spent), then nothing more on either node.
            var first = await RowsStatusAsync(a, token, limit: 1_000);
            var second = await RowsStatusAsync(b, token, limit: 1_000);
            var third = await RowsStatusAsync(a, token);
            var fourth = await RowsStatusAsync(b, token);
            if (DateTime.UtcNow.Minute != minute && attempt < 2)
            {
                await Task.Delay(TimeSpan.FromSeconds(61 - DateTime.UtcNow.Second));
                continue;
            }
            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], new[] { first, second, third, fourth });
            break;
        }
    }

    [Fact]
    public async Task Every_nodes_audit_entries_are_found_from_any_node()
    {
        var nodeA = Node("a");
        var nodeB = Node("b");
        await using var a = await ServeProcess.StartAsync(nodeA);
        await WaitForStatusAsync(a, 1, "published");
        await using var b = await ServeProcess.StartAsync(nodeB);
        using (var read = await a.Http.GetAsync("/api/v1/datasets/items/rows?filter=id:eq:777"))
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        // A writes its audit in batches to the shared state; B's search finds A's entry once it is written.
        await WaitAsync(b, async () =>
        {
            var audit = await b.Http.GetFromJsonAsync<JsonElement>("/api/v1/audit?dataset=items&limit=1000");
            return audit.GetProperty("entries").EnumerateArray().Any(e => e.GetProperty("filters").GetString()!.Contains("777", StringComparison.Ordinal));
        }, "node A's read to be in node B's audit search");
    }

    private async Task<int> TerminateListenersAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'ladle-listen' AND query LIKE $1", connection);
        command.Parameters.AddWithValue("%" + _schema + "%");
        return (int)(long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<(long Version, int Lines)> RowsAsync(ServeProcess serve)
    {
        using var rows = await serve.Http.GetAsync("/api/v1/datasets/items/rows?format=csv&limit=100000");
        Assert.True(rows.StatusCode == HttpStatusCode.OK, await rows.Content.ReadAsStringAsync() + serve.Output);
        var version = long.Parse(rows.Headers.GetValues("Ladle-Dataset-Version").Single(), CultureInfo.InvariantCulture);
        return (version, (await rows.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    private static async Task<long> ItemsListedAsync(ServeProcess serve)
    {
        using var answer = await serve.Http.GetAsync("/api/v1/metrics/query?metrics=items_listed");
        var body = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.OK, body + serve.Output);
        using var json = JsonDocument.Parse(body);
        var row = json.RootElement.GetProperty("rows")[0];
        var value = row.ValueKind == JsonValueKind.Array ? row[0] : row.GetProperty("items_listed");
        return value.GetInt64();
    }

    private static async Task<string?> StatusAsync(ServeProcess serve) =>
        (await serve.Http.GetFromJsonAsync<JsonElement>("/api/v1/datasets/items/health")).GetProperty("status").GetString();

    private static async Task<HttpStatusCode> RowsStatusAsync(ServeProcess serve, string token, int limit = 1)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/datasets/items/rows?limit={limit}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await serve.Http.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task WaitAsync(ServeProcess serve, Func<Task<bool>> condition, string what, TimeSpan? within = null)
    {
        // Generous: the machine running the tests may be loaded; how long it took is printed, never asserted.
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(90));
        while (DateTime.UtcNow < deadline)
        {
            if (await condition()) return;
            await Task.Delay(25);
        }
        Assert.Fail($"timed out waiting for {what}\n{serve.Output}");
    }

    private static void Sqlite(string dir, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dir, "data", "crm.sqlite")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private async Task WaitForStatusAsync(ServeProcess serve, long version, string status) =>
        await WaitAsync(serve, async () => (await VersionsInPostgresAsync()).Contains((version, status)), $"version {version} to be {status}");

    /// <summary>The versions of 'items' as the shared state records them, newest first.</summary>
    private async Task<List<(long Version, string Status)>> VersionsInPostgresAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var exists = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL", connection);
        exists.Parameters.AddWithValue(_schema + ".versions");
        if (!(bool)(await exists.ExecuteScalarAsync())!) return [];
        await using var command = new NpgsqlCommand($"SELECT version, status FROM {_schema}.versions WHERE dataset = 'items' ORDER BY version DESC", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var versions = new List<(long, string)>();
        while (await reader.ReadAsync()) versions.Add((reader.GetInt64(0), reader.GetString(1)));
        return versions;
    }

    /// <summary>The versions of 'items' with their trigger and times, newest first.</summary>
    private async Task<List<(long Version, string Status, string? Trigger, DateTime StartedAt, DateTime? FinishedAt)>> VersionsWithTriggersAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT version, status, trigger, started_at, finished_at FROM {_schema}.versions WHERE dataset = 'items' ORDER BY version DESC", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var versions = new List<(long, string, string?, DateTime, DateTime?)>();
        while (await reader.ReadAsync())
            versions.Add((reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetDateTime(3).ToUniversalTime(),
                reader.IsDBNull(4) ? null : reader.GetDateTime(4).ToUniversalTime()));
        return versions;
    }

    public async ValueTask DisposeAsync()
    {
        await using (var connection = new NpgsqlConnection(_connectionString))
        {
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {_schema} CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
