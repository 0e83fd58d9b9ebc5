using DuckDB.NET.Data;
using Ladle.Core.Errors;
using Microsoft.Data.Sqlite;

namespace Ladle.Engine.Tests;

public sealed class ConnectorTests
{
    internal const string Columns = """
        columns:
          - name: id
            type: integer
          - name: region
            type: string
          - name: amount
            type: decimal
          - name: paid
            type: boolean
          - name: day
            type: date
          - name: at
            type: timestamp
        """;

    private static void WriteCsv(TestProject p, string relative, int from, int count)
    {
        var lines = new List<string> { "id,region,amount,paid,day,at" };
        for (var i = from; i < from + count; i++)
            lines.Add($"{i},{(i % 3 == 0 ? "EU" : "US")},{i}.25,{(i % 2 == 0 ? "true" : "false")},2026-01-{1 + i % 28:00},2026-01-01 {i % 24:00}:00:00");
        p.Write(relative, string.Join('\n', lines) + "\n");
    }

    [Theory]
    [InlineData("live")]
    [InlineData("table")]
    public async Task Csv_glob_is_read_through_duckdb_with_filters_order_and_limit(string materialization)
    {
        using var p = new TestProject("");
        WriteCsv(p, "data/sales/part-1.csv", 1, 50);
        WriteCsv(p, "data/sales/part-2.csv", 51, 50);
        p.Dataset("sales", $"source: files\ntable: sales/*.csv\nmaterialization: {materialization}\nprimary_key: [id]\n{Columns}");
        await using var engine = await p.OpenAsync();
        if (materialization == "table")
        {
            var published = Assert.Single(await engine.Publisher.MaterializeAsync([], "test", null, CancellationToken.None));
            Assert.True(published.Published, published.Error);
            Assert.Equal(100, published.Rows);
        }
        var rows = await TestProject.RowsAsync(engine, "sales",
            TestProject.Query(engine, "sales", "id,amount,day", ["region:eq:EU", "id:gt:80"], "id:desc", "3"));
        Assert.Equal([99L, 96L, 93L], rows.Select(r => r[0]));
        Assert.Equal(99.25m, rows[0][1]);
        Assert.IsType<DateOnly>(rows[0][2]);
    }

    [Fact]
    public async Task Parquet_and_ndjson_files_are_read_by_duckdbs_builtin_readers()
    {
        using var p = new TestProject("");
        using (var duck = new DuckDBConnection("Data Source=:memory:"))
        {
            duck.Open();
            using var c = duck.CreateCommand();
            c.CommandText = $"COPY (SELECT range AS id, 'r' || (range % 5) AS region FROM range(1000)) TO '{p.PathOf("data/items.parquet")}' (FORMAT parquet)";
            c.ExecuteNonQuery();
        }
        p.Write("data/tags.ndjson", "{\"id\": 1, \"tag\": \"vip\"}\n{\"id\": 2, \"tag\": \"new\"}\n");
        p.Dataset("items", "source: files\ntable: items.parquet\nmaterialization: live\n");
        p.Dataset("tags", "source: files\ntable: tags.ndjson\nmaterialization: live\n");
        await using var engine = await p.OpenAsync();
        var items = await TestProject.RowsAsync(engine, "items", TestProject.Query(engine, "items", filters: ["region:eq:r3"]));
        Assert.Equal(200, items.Count);
        var tags = await TestProject.RowsAsync(engine, "tags", TestProject.Query(engine, "tags", filters: ["tag:eq:vip"]));
        Assert.Equal(1L, Assert.Single(tags)[0]);
    }

    [Fact]
    public async Task Duckdb_file_source_runs_its_own_sql()
    {
        using var p = new TestProject("  lake:\n    kind: duckdb\n    path: lake.duckdb\n");
        using (var duck = new DuckDBConnection($"Data Source={p.PathOf("lake.duckdb")}"))
        {
            duck.Open();
            using var c = duck.CreateCommand();
            c.CommandText = "CREATE TABLE events AS SELECT range AS id, range % 7 AS kind FROM range(700)";
            c.ExecuteNonQuery();
        }
        p.Dataset("events", "source: lake\ntable: events\nmaterialization: live\n");
        p.Dataset("kinds", "source: lake\nsql: select kind, count(*) AS n from events group by kind\nmaterialization: table\n");
        await using var engine = await p.OpenAsync();
        Assert.Equal(100, (await TestProject.RowsAsync(engine, "events", TestProject.Query(engine, "events", filters: ["kind:eq:3"]))).Count);
        Assert.True(Assert.Single(await engine.Publisher.MaterializeAsync(["kinds"], "test", null, CancellationToken.None)).Published);
        var kinds = await TestProject.RowsAsync(engine, "kinds");
        Assert.Equal(7, kinds.Count);
        Assert.All(kinds, k => Assert.Equal(100L, k[1]));
    }

    [Fact]
    public async Task Sqlite_source_is_queried_in_sqlite_and_materialized_through_the_appender()
    {
        using var p = new TestProject("  crm:\n    kind: sqlite\n    path: crm.sqlite\n");
        using (var sqlite = new SqliteConnection($"Data Source={p.PathOf("crm.sqlite")}"))
        {
            sqlite.Open();
            using var c = sqlite.CreateCommand();
            c.CommandText = """
                CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT, score REAL, vip BOOLEAN, joined DATE);
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
                INSERT INTO customers SELECT i, 'c' || i || '@example.com', i / 500.0, i % 10 = 0, date('2025-01-01', '+' || (i % 300) || ' days') FROM n;
                """;
            c.ExecuteNonQuery();
        }
        p.Dataset("customers_live", "source: crm\ntable: customers\nmaterialization: live\nprimary_key: [id]\n");
        p.Dataset("customers", "source: crm\ntable: customers\nprimary_key: [id]\n");
        await using var engine = await p.OpenAsync();

        var vips = await TestProject.RowsAsync(engine, "customers_live",
            TestProject.Query(engine, "customers_live", "id,email,vip,joined", ["vip:eq:true", "joined:ge:2025-06-01"], "id:asc"));
        Assert.NotEmpty(vips);
        Assert.All(vips, r => Assert.True((bool)r[2]!));
        Assert.All(vips, r => Assert.True((DateOnly)r[3]! >= new DateOnly(2025, 6, 1)));

        var result = Assert.Single(await engine.Publisher.MaterializeAsync(["customers"], "test", null, CancellationToken.None));
        Assert.True(result.Published, result.Error);
        Assert.Equal(500, result.Rows);
        var stored = await TestProject.RowsAsync(engine, "customers", TestProject.Query(engine, "customers", filters: ["email:like:c42%"]));
        Assert.Equal(11, stored.Count); // c42, c420..c429
    }
}

public sealed class SqliteMaskTests
{
    [Fact]
    public async Task Live_sqlite_masks_and_regex_run_in_sqlite_and_equal_the_stores_so_hashed_keys_join_across_sources()
    {
        using var p = new TestProject("  crm:\n    kind: sqlite\n    path: crm.sqlite\n");
        using (var sqlite = new SqliteConnection($"Data Source={p.PathOf("crm.sqlite")};Pooling=False"))
        {
            sqlite.Open();
            using var c = sqlite.CreateCommand();
            c.CommandText = """
                CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT, phone TEXT);
                INSERT INTO customers VALUES (1, 'ana@example.com', '+351 912 000 001'), (2, 'élodie@exemple.fr', '+33 6 12 34 56 78'),
                  (3, NULL, NULL), (4, 'no-at-sign', '42'), (5, '@leading', 'x');
                """;
            c.ExecuteNonQuery();
        }
        const string columns = "columns:\n  - { name: id, type: integer }\n  - { name: email, type: string, pii: true, mask: partial }\n  - { name: phone, type: string, pii: true, mask: hash }\n";
        p.Dataset("live", "source: crm\ntable: customers\nmaterialization: live\nprimary_key: [id]\n" + columns +
            "checks:\n  - { name: emails, type: regex, column: email, format: email, severity: warn }\n");
        p.Dataset("stored", "source: crm\ntable: customers\nprimary_key: [id]\n" + columns);
        await using var engine = await p.OpenAsync();
        Assert.True(Assert.Single(await engine.Publisher.MaterializeAsync(["stored"], "test", null, CancellationToken.None)).Published);

        async Task<List<object?[]>> MaskedAsync(string dataset)
        {
            var query = TestProject.Query(engine, dataset, order: "id:asc") with
            {
                Masks = new Dictionary<string, Core.Model.MaskKind> { ["email"] = Core.Model.MaskKind.Partial, ["phone"] = Core.Model.MaskKind.Hash },
                MaskKey = "k3y",
            };
            return await TestProject.RowsAsync(engine, dataset, query);
        }
        var live = await MaskedAsync("live");
        Assert.Equal(await MaskedAsync("stored"), live);
        Assert.Equal(["a***@example.com", "é***@exemple.fr", null, "n***", "@***"], live.Select(r => r[1]));
        var expectedHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("k3y+351 912 000 001"u8));
        Assert.Equal(expectedHash, live[0][2]);
        Assert.Null(live[2][2]);

        // The regex check runs in SQLite too: the two rows without a proper address fail it.
        var dataset = engine.Project.FindDataset("live")!;
        var results = await engine.Checks.RunAsync(dataset, new Checks.CheckTarget(engine.ConnectorFor(dataset), engine.ConnectorFor(dataset).Relation(dataset), null, null), CancellationToken.None);
        var emails = Assert.Single(results, r => r.Check == "emails");
        Assert.Equal(Ladle.Engine.State.CheckOutcome.Failed, emails.Outcome);
        Assert.Equal(2, emails.FailingRows);
    }
}
