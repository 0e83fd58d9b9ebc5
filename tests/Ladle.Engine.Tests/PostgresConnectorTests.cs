using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Core.Queries;
using Ladle.Core.Sql;
using Npgsql;

namespace Ladle.Engine.Tests;

public sealed class PostgresConnectorTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    private const string Columns = ConnectorTests.Columns;

    [Fact]
    public async Task Postgres_live_dataset_pushes_projection_filters_order_and_limit_into_postgres()
    {
        var schema = PostgresFixture.NewSchema();
        await pg.ExecuteAsync($"""
            CREATE SCHEMA {schema};
            CREATE TABLE {schema}.orders (id int PRIMARY KEY, region text, amount numeric(10,2), paid bool, day date, at timestamptz);
            INSERT INTO {schema}.orders SELECT i, CASE WHEN i % 3 = 0 THEN 'EU' ELSE 'US' END, i * 1.5, i % 2 = 0,
                DATE '2026-01-01' + (i % 28), TIMESTAMPTZ '2026-01-01 00:00:00+00' + i * interval '1 hour'
            FROM generate_series(1, 10000) i;
            """);
        var variable = "LADLE_TEST_PG_" + schema.ToUpperInvariant();
        Environment.SetEnvironmentVariable(variable, pg.ConnectionString);
        using var p = new TestProject($"  warehouse:\n    kind: postgres\n    connection_env: {variable}\n");
        p.Dataset("orders", $"source: warehouse\ntable: {schema}.orders\nmaterialization: live\nprimary_key: [id]\n{Columns}");
        await using var engine = await p.OpenAsync();

        var rows = await TestProject.RowsAsync(engine, "orders",
            TestProject.Query(engine, "orders", "id,amount,at", ["region:eq:EU", "amount:between:100,200", "day:ge:2026-01-10"], "amount:desc", "5"));
        Assert.Equal(5, rows.Count);
        Assert.All(rows, r => Assert.InRange((decimal)r[1]!, 100m, 200m));
        // id = amount / 1.5 and at = 2026-01-01 00:00 UTC + id hours: the timestamptz arrives as that UTC instant.
        var id = (long)rows[0][0]!;
        Assert.Equal(new DateTime(2026, 1, 1, 0, 0, 0).AddHours(id), DateTime.SpecifyKind((DateTime)rows[0][2]!, DateTimeKind.Unspecified));

        // PostgreSQL itself ran the filter, order and limit: its statistics show the statement and that it
        // returned only the five rows, not the table.
        var statements = await pg.StatementsAsync($"%{schema}%");
        var pushed = Assert.Single(statements, s => s.Query.Contains("WHERE", StringComparison.Ordinal));
        Assert.Contains("\"region\" = $1", pushed.Query, StringComparison.Ordinal);
        Assert.Contains("BETWEEN", pushed.Query, StringComparison.Ordinal);
        Assert.Contains("ORDER BY \"amount\" DESC", pushed.Query, StringComparison.Ordinal);
        Assert.Contains("LIMIT", pushed.Query, StringComparison.Ordinal);
        Assert.DoesNotContain("*", pushed.Query, StringComparison.Ordinal);
        Assert.Equal(5, pushed.Rows);
    }

    [Fact]
    public async Task Postgres_table_dataset_is_copied_into_the_store_with_declared_types()
    {
        var schema = PostgresFixture.NewSchema();
        await pg.ExecuteAsync($"""
            CREATE SCHEMA {schema};
            CREATE TABLE {schema}.orders (id int, region text, amount numeric(10,2), paid bool, day date, at timestamp);
            INSERT INTO {schema}.orders SELECT i, 'EU', i, true, DATE '2026-02-01', TIMESTAMP '2026-02-01 10:00' FROM generate_series(1, 2500) i;
            INSERT INTO {schema}.orders VALUES (0, NULL, NULL, NULL, NULL, NULL);
            """);
        var variable = "LADLE_TEST_PG_" + schema.ToUpperInvariant();
        Environment.SetEnvironmentVariable(variable, pg.ConnectionString);
        using var p = new TestProject($"  warehouse:\n    kind: postgres\n    connection_env: {variable}\n");
        p.Dataset("orders", $"source: warehouse\ntable: {schema}.orders\n{Columns}");
        await using var engine = await p.OpenAsync();
        var result = Assert.Single(await engine.Publisher.MaterializeAsync([], "test", null, CancellationToken.None));
        Assert.True(result.Published, result.Error);
        Assert.Equal(2501, result.Rows);
        var nulls = await TestProject.RowsAsync(engine, "orders", TestProject.Query(engine, "orders", filters: ["region:isnull"]));
        Assert.Equal([0L, null, null, null, null, null], Assert.Single(nulls));
        var one = Assert.Single(await TestProject.RowsAsync(engine, "orders", TestProject.Query(engine, "orders", filters: ["id:eq:7"])));
        Assert.Equal(new object?[] { 7L, "EU", 7m, true, new DateOnly(2026, 2, 1), new DateTime(2026, 2, 1, 10, 0, 0) },
            one.Select(v => v is decimal d ? decimal.Round(d, 2) : v).ToArray());
    }

    [Fact]
    public async Task Unreachable_postgres_answers_source_unavailable_naming_the_source()
    {
        const string variable = "LADLE_TEST_PG_DOWN";
        Environment.SetEnvironmentVariable(variable, "Host=127.0.0.1;Port=1;Username=x;Timeout=2");
        using var p = new TestProject($"  warehouse:\n    kind: postgres\n    connection_env: {variable}\n  other:\n    kind: postgres\n    connection_env: LADLE_TEST_PG_NEVER_SET\n");
        p.Dataset("orders", "source: warehouse\ntable: orders\nmaterialization: live\n");
        p.Dataset("other", "source: other\ntable: orders\nmaterialization: live\n");
        await using var engine = await p.OpenAsync();
        var down = await Assert.ThrowsAsync<SourceUnavailableException>(() => TestProject.RowsAsync(engine, "orders"));
        Assert.Equal("warehouse", down.SourceName);
        Assert.Contains("source 'warehouse' (postgres) is unreachable", down.Message, StringComparison.Ordinal);
        var unset = await Assert.ThrowsAsync<SourceUnavailableException>(() => TestProject.RowsAsync(engine, "other"));
        Assert.Contains("LADLE_TEST_PG_NEVER_SET is not set", unset.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hostile_names_and_values_run_as_names_and_values_in_postgres()
    {
        await using var connection = new NpgsqlConnection(pg.ConnectionString);
        await connection.OpenAsync();
        Assert.Equal([2L], await SqlDialectTests.RunHostileAsync(connection, SqlDialect.Postgres, PostgresFixture.NewSchema()));
    }

    [Fact]
    public async Task Postgres_pushdown_of_a_row_filtered_masked_page_answers_the_same_rows_as_duckdb()
    {
        var schema = PostgresFixture.NewSchema();
        await pg.ExecuteAsync($"""
            CREATE SCHEMA {schema};
            CREATE TABLE {schema}.customers (id int PRIMARY KEY, region text, email text, phone text, amount numeric(10,2));
            INSERT INTO {schema}.customers SELECT i, (ARRAY['EU', 'US', 'APAC'])[i % 3 + 1],
                CASE WHEN i % 11 = 0 THEN NULL WHEN i % 7 = 0 THEN 'nodomain' || i ELSE 'user' || i || '@example.com' END,
                CASE WHEN i % 13 = 0 THEN NULL ELSE '+49 30 ' || (1000 + i) END, i * 1.25
            FROM generate_series(1, 400) i;
            """);
        var variable = "LADLE_TEST_PG_" + schema.ToUpperInvariant();
        Environment.SetEnvironmentVariable(variable, pg.ConnectionString);
        using var p = new TestProject($"  warehouse:\n    kind: postgres\n    connection_env: {variable}\n");
        const string columns = "columns:\n  - { name: id, type: integer }\n  - { name: region, type: string }\n  - { name: email, type: string }\n" +
                               "  - { name: phone, type: string }\n  - { name: amount, type: decimal }\n";
        p.Dataset("live_customers", $"source: warehouse\ntable: {schema}.customers\nmaterialization: live\nprimary_key: [id]\n{columns}");
        p.Dataset("stored_customers", $"source: warehouse\ntable: {schema}.customers\nprimary_key: [id]\n{columns}");
        await using var engine = await p.OpenAsync();
        Assert.All(await engine.Publisher.MaterializeAsync([], "test", null, CancellationToken.None), r => Assert.True(r.Published, r.Error));

        // The live dataset can only be read in PostgreSQL (its rows never reach DuckDB unmasked), the stored one only
        // in the store. What the policy sets for a principal without PII clearance in two grants: EU rows over 50, or US rows
        // whose email has a 7; a page ordered by the hashed phone (so the masked value decides the order).
        var query = new RowsQuery
        {
            Dataset = "live_customers",
            PolicyFilters =
            [
                [new Filter("region", FilterOperator.Eq, ["EU"]), new Filter("amount", FilterOperator.Gt, [50m])],
                [new Filter("region", FilterOperator.In, ["US"]), new Filter("email", FilterOperator.Like, ["%7%"])],
            ],
            Masks = new Dictionary<string, MaskKind>(StringComparer.OrdinalIgnoreCase) { ["email"] = MaskKind.Partial, ["phone"] = MaskKind.Hash, ["amount"] = MaskKind.Redact },
            MaskKey = "k3y'; --",
            Order = [new SortKey("phone", true)],
            Limit = 40,
            Offset = 10,
        };
        var page = await TestProject.RowsAsync(engine, "live_customers", query);
        Assert.Equal(40, page.Count);
        Assert.Equal(await TestProject.RowsAsync(engine, "stored_customers", query with { Dataset = "stored_customers" }), page);
        // Unpaged, the order is only what was asked for: the key makes it total, so the two answers compare row by row.
        var whole = query with { Limit = null, Offset = 0, Order = [new SortKey("phone", true), new SortKey("id", false)] };
        var live = await TestProject.RowsAsync(engine, "live_customers", whole);
        Assert.Equal(await TestProject.RowsAsync(engine, "stored_customers", whole with { Dataset = "stored_customers" }), live);
        Assert.Equal(page, live.Skip(10).Take(40));
        Assert.All(live, r => Assert.True(r[1] is "EU" or "US"));
        Assert.All(live, r => Assert.Null(r[4]));
        Assert.Contains(live, r => r[2] is "u***@example.com");
        Assert.Contains(live, r => r[2] is "n***");
        Assert.Contains(live, r => r[3] is string { Length: 64 });
        Assert.DoesNotContain(live, r => r[2] is string e && e.StartsWith("user", StringComparison.Ordinal) || r[3] is string t && t.StartsWith('+'));
    }
}
