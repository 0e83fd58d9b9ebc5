using Ladle.Core.Semantic.Queries;

namespace Ladle.Engine.Tests.Semantic;

/// <summary>Metrics over live PostgreSQL datasets run in PostgreSQL, whole, in its dialect.</summary>
public sealed class PostgresMetricTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task A_metric_query_over_live_postgres_datasets_is_pushed_down_whole_and_equals_hand_written_sql()
    {
        var schema = PostgresFixture.NewSchema();
        await pg.ExecuteAsync($"""
            CREATE SCHEMA {schema};
            CREATE TABLE {schema}.customers (customer_id int PRIMARY KEY, country text);
            INSERT INTO {schema}.customers SELECT i, CASE WHEN i % 3 = 0 THEN 'DE' ELSE 'FR' END FROM generate_series(1, 40) i;
            CREATE TABLE {schema}.orders (order_id int PRIMARY KEY, customer_id int, status text, amount numeric(10,2), ordered_at timestamptz);
            INSERT INTO {schema}.orders SELECT i, 1 + i % 40, CASE WHEN i % 7 = 0 THEN 'cancelled' ELSE 'completed' END, (i % 90) + 0.25,
                TIMESTAMPTZ '2026-03-27 00:00:00+00' + i * interval '17 minutes'
            FROM generate_series(1, 2000) i;
            """);
        var variable = "LADLE_TEST_PG_" + schema.ToUpperInvariant();
        Environment.SetEnvironmentVariable(variable, pg.ConnectionString);
        using var p = new TestProject($"  warehouse:\n    kind: postgres\n    connection_env: {variable}\n");
        p.Dataset("orders", $"source: warehouse\ntable: {schema}.orders\nmaterialization: live\ncolumns:\n  - {{ name: order_id, type: integer }}\n  - {{ name: customer_id, type: integer }}\n  - {{ name: status, type: string }}\n  - {{ name: amount, type: decimal }}\n  - {{ name: ordered_at, type: timestamp }}\n");
        p.Dataset("customers", $"source: warehouse\ntable: {schema}.customers\nmaterialization: live\ncolumns:\n  - {{ name: customer_id, type: integer }}\n  - {{ name: country, type: string }}\n");
        p.Write("models/orders.yaml", """
            dataset: orders
            entities:
              - { name: order, type: primary }
              - { name: customer, type: foreign }
            dimensions:
              - { name: status }
              - { name: ordered_at, type: time, zone: Europe/Berlin }
            measures:
              - { name: revenue, agg: sum, column: amount, filter: "status = 'completed'" }
              - { name: order_count, agg: count }
              - { name: median_amount, agg: median, column: amount }
            metrics:
              - { name: aov, type: ratio, numerator: revenue, denominator: order_count }
              - name: revenue_change
                type: derived
                expr: revenue - revenue_day_before
                inputs:
                  - revenue
                  - { metric: revenue, offset: 1 day, alias: revenue_day_before }
            """);
        p.Write("models/customers.yaml", "dataset: customers\nentities:\n  - { name: customer, type: primary }\ndimensions:\n  - { name: country }\n");
        await using var engine = await p.OpenAsync();

        var query = new MetricQuery
        {
            Metrics = ["revenue", "aov", "median_amount", "revenue_change"], Dimensions = ["customers.country"], Granularity = "day",
            Range = "2026-03-28..2026-04-01", Fill = "zero",
        };
        await using var execution = engine.Semantic.Open(engine.Semantic.Plan(query));
        Assert.Equal("warehouse", execution.Engine);
        Assert.Null(execution.CacheKey);
        await using var rows = await execution.ReadAsync(CancellationToken.None);
        var actual = Answers.Normalize(await TestProject.ReadAllAsync(rows));

        // The same question written by hand in PostgreSQL: Berlin days (29 March has 23 hours), each order once.
        var expectedSql = $"""
            WITH o AS (
              SELECT c.country, CAST(date_trunc('day', o.ordered_at AT TIME ZONE 'Europe/Berlin') AS date) AS day, o.status, o.amount
              FROM {schema}.orders o LEFT JOIN {schema}.customers c ON c.customer_id = o.customer_id),
            daily AS (
              SELECT country, day, sum(amount) FILTER (WHERE status = 'completed') AS revenue, count(*) AS n,
                     percentile_cont(0.5) WITHIN GROUP (ORDER BY amount) AS median
              FROM o GROUP BY 1, 2),
            grid AS (SELECT k.country, CAST(d AS date) AS day FROM (SELECT DISTINCT country FROM daily WHERE day BETWEEN DATE '2026-03-28' AND DATE '2026-03-31') k
                     CROSS JOIN generate_series(TIMESTAMP '2026-03-28', TIMESTAMP '2026-03-31', INTERVAL '1 day') d)
            SELECT g.country, g.day, coalesce(cur.revenue, 0), coalesce(cur.revenue, 0) / nullif(coalesce(cur.n, 0), 0),
                   coalesce(cur.median, 0), coalesce(cur.revenue, 0) - coalesce(prev.revenue, 0)
            FROM grid g LEFT JOIN daily cur ON cur.country = g.country AND cur.day = g.day
            LEFT JOIN daily prev ON prev.country = g.country AND prev.day = g.day - 1
            ORDER BY 2, 1
            """;
        var expected = new List<string>();
        await using (var connection = new Npgsql.NpgsqlConnection(pg.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand(expectedSql, connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                expected.Add(string.Join(" | ", Enumerable.Range(0, reader.FieldCount).Select(i => Answers.Value(reader.IsDBNull(i) ? null : reader.GetValue(i)))));
        }
        Assert.Equal(expected, actual);

        // PostgreSQL itself ran the one statement: its statistics show the grouped query over both tables.
        var statements = await pg.StatementsAsync($"%{schema}%");
        Assert.Contains(statements, s => s.Query.Contains("GROUP BY", StringComparison.Ordinal) && s.Query.Contains($"{schema}\".\"customers", StringComparison.Ordinal) && s.Query.Contains("AT TIME ZONE", StringComparison.Ordinal));
    }
}
