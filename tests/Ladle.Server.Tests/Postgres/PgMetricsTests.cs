using Npgsql;

namespace Ladle.Server.Tests.Postgres;

/// <summary>
/// Metrics over the wire (<c>SELECT dims, MEASURE(metric) FROM metrics.model GROUP BY …</c>): answered by the semantic
/// layer, through the same plan, policy, cache, rollups, trust and audit as GET /api/v1/metrics/query.
/// </summary>
public sealed class PgMetricsTests(PgMetricsFixture fixture) : IClassFixture<PgMetricsFixture>
{
    private const string ByRegionAndMonth = """
        SELECT region, date_trunc('month', ordered_at) AS month, MEASURE(revenue), MEASURE(aov) AS avg_order
        FROM metrics.orders WHERE status = 'completed' GROUP BY 1, 2 ORDER BY 1, 2
        """;

    private const string ByRegionAndMonthRest = "metrics=revenue,aov&dimensions=region&time=ordered_at&granularity=month&filter=status:eq:completed&order=region,ordered_at";

    [Theory]
    [InlineData("ana")]
    [InlineData("eu")]
    public async Task A_metric_statement_answers_what_rest_answers_for_the_same_principal(string principal)
    {
        await using var connection = await fixture.OpenAsync(principal);
        await using var command = new NpgsqlCommand(ByRegionAndMonth, connection);
        var sql = await PgMetricsFixture.RowsAsync(command);
        var rest = await fixture.RestRowsAsync(principal, ByRegionAndMonthRest);

        Assert.NotEmpty(sql);
        Assert.Equal(rest, sql);
        var regions = sql.Select(r => r.Split('|')[0]).Distinct().ToList();
        // The row filter applies before aggregation: the EU principal's numbers are the EU's alone.
        Assert.Equal(principal == "eu" ? ["EU"] : ["APAC", "EU", "US"], regions);
    }

    [Fact]
    public async Task The_statement_names_its_columns_in_select_list_order_with_their_aliases()
    {
        await using var connection = await fixture.OpenAsync("ana");
        await using var command = new NpgsqlCommand("SELECT MEASURE(orders) AS n, region FROM metrics.orders GROUP BY region ORDER BY n DESC", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.Equal(["n", "region"], Enumerable.Range(0, reader.FieldCount).Select(reader.GetName));
        Assert.Equal("bigint", reader.GetDataTypeName(0));
        var counts = new List<long>();
        while (await reader.ReadAsync()) counts.Add(reader.GetInt64(0));
        Assert.Equal([1000L, 1000L, 1000L], counts);
    }

    [Fact]
    public async Task A_repeated_metric_statement_is_answered_from_the_cache_without_a_query()
    {
        const string sql = "SELECT status, MEASURE(orders) FROM metrics.orders WHERE region IN ('EU', 'US') GROUP BY status ORDER BY status";
        var semantic = fixture.Server.Engine.Semantic;
        await using var connection = await fixture.OpenAsync("ana");
        await using var first = new NpgsqlCommand(sql, connection);
        var answer = await PgMetricsFixture.RowsAsync(first);
        var (queries, hits) = (semantic.QueriesRun, semantic.Cache.Hits);

        await using var second = new NpgsqlCommand(sql, connection);
        Assert.Equal(answer, await PgMetricsFixture.RowsAsync(second));
        Assert.Equal(queries, semantic.QueriesRun);
        Assert.Equal(hits + 1, semantic.Cache.Hits);
        // The same cache REST reads: the REST form of the same query (an export: uncapped, as on the wire) is a hit too.
        Assert.Equal(answer, await fixture.RestCsvAsync("ana", "metrics=orders&dimensions=status&filter=region:in:EU,US&order=status"));
        Assert.Equal(hits + 2, semantic.Cache.Hits);
    }

    [Fact]
    public async Task A_metric_statement_the_rollup_covers_is_answered_by_the_rollup()
    {
        var semantic = fixture.Server.Engine.Semantic;
        var before = semantic.RollupAnswers;
        await using var connection = await fixture.OpenAsync("root");
        await using var command = new NpgsqlCommand(
            "SELECT date_trunc('quarter', ordered_at) AS quarter, region, MEASURE(revenue) FROM metrics.orders WHERE region <> 'APAC' GROUP BY 1, 2 ORDER BY 1, 2", connection);
        var sql = await PgMetricsFixture.RowsAsync(command);

        Assert.Equal(before + 1, semantic.RollupAnswers);
        var rest = await fixture.RestRowsAsync("root", "metrics=revenue&dimensions=region&time=ordered_at&granularity=quarter&filter=region:ne:APAC&order=ordered_at,region");
        // REST lists dimensions before the bucket; the statement chose the other order.
        Assert.Equal(rest.Select(r => r.Split('|')).Select(p => $"{p[1]}|{p[0]}|{p[2]}"), sql);
    }

    [Fact]
    public async Task A_prepared_metric_statement_binds_parameters_and_reads_binary()
    {
        await using var connection = await fixture.OpenAsync("ana");
        await using var command = new NpgsqlCommand(
            "SELECT region, MEASURE(revenue) FROM metrics.orders WHERE ordered_at >= $1 AND region = $2 GROUP BY region HAVING MEASURE(revenue) > $3", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = new DateTime(2026, 3, 1), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Timestamp });
        command.Parameters.Add(new NpgsqlParameter { Value = "EU" });
        command.Parameters.Add(new NpgsqlParameter { Value = 10m });
        await command.PrepareAsync();
        var sql = await PgMetricsFixture.RowsAsync(command);

        Assert.Equal(await fixture.RestRowsAsync("ana", "metrics=revenue&dimensions=region&filter=ordered_at:ge:2026-03-01T00:00:00&filter=region:eq:EU&filter=revenue:gt:10"), sql);
        Assert.Single(sql);
    }

    [Fact]
    public async Task The_same_metric_statement_bound_with_other_values_answers_for_those_values()
    {
        await using var connection = await fixture.OpenAsync("ana");
        foreach (var region in new[] { "EU", "US", "EU" })
        {
            await using var command = new NpgsqlCommand("SELECT region, MEASURE(revenue) FROM metrics.orders WHERE region = $1 GROUP BY region", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = region });
            var sql = await PgMetricsFixture.RowsAsync(command);

            Assert.Equal(await fixture.RestRowsAsync("ana", $"metrics=revenue&dimensions=region&filter=region:eq:{region}"), sql);
            Assert.StartsWith(region + "|", Assert.Single(sql));
        }
    }

    [Fact]
    public async Task A_metric_over_a_warned_dataset_says_so_in_a_notice_and_every_statement_is_audited()
    {
        await using var connection = await fixture.OpenAsync("ana");
        var notices = new List<string>();
        connection.Notice += (_, e) => notices.Add(e.Notice.MessageText);
        const string sql = "SELECT segment, MEASURE(customers) FROM metrics.customers GROUP BY segment ORDER BY segment";
        await using var command = new NpgsqlCommand(sql, connection);
        Assert.Equal(["regular|90", "vip|30"], await PgMetricsFixture.RowsAsync(command));

        Assert.Contains(notices, n => n.Contains("\"customers\" is warn", StringComparison.Ordinal));
        var audit = await fixture.WireAuditAsync();
        Assert.Contains(audit, e => e.Principal == "ana" && e.Action == "metrics" && e.Target == "customers" && e.Filters == sql && e.Rows == 2 && e.Status == "ok");
    }

    [Fact]
    public async Task Grouping_by_a_masked_dimension_is_refused_over_sql_as_over_rest()
    {
        await using var connection = await fixture.OpenAsync("ana");
        await using var command = new NpgsqlCommand("SELECT email, MEASURE(customers) FROM metrics.customers GROUP BY email", connection);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteReaderAsync());
        Assert.Equal("42501", refused.SqlState);
        Assert.Contains("masked for principal 'ana'", refused.MessageText, StringComparison.Ordinal);
        // The connection lives on.
        await using var after = new NpgsqlCommand("SELECT MEASURE(customers) FROM metrics.customers", connection);
        Assert.Equal(["120"], await PgMetricsFixture.RowsAsync(after));
    }

    [Theory]
    [InlineData("SELECT region, sum(revenue) FROM metrics.orders GROUP BY 1", "sum(…) in the select list of metrics.orders")]
    [InlineData("SELECT count(*) FROM metrics.orders", "count_star(…) in the select list")]
    [InlineData("SELECT * FROM metrics.orders", "SELECT * from metrics.orders")]
    [InlineData("SELECT note, MEASURE(revenue) FROM metrics.orders GROUP BY note", "no dimension 'note'")]
    [InlineData("SELECT region, MEASURE(revenue) FROM metrics.orders", "column \"region\" must appear in the GROUP BY clause")]
    [InlineData("SELECT o.region, MEASURE(revenue) FROM metrics.orders o JOIN customers c ON o.customer = c.customer_id GROUP BY 1", "not inside a join")]
    [InlineData("SELECT region FROM (SELECT region, MEASURE(revenue) AS r FROM metrics.orders GROUP BY 1) t", "not inside a join, subquery")]
    [InlineData("SELECT region, MEASURE(revenue) FROM metrics.orders WHERE region = 'EU' OR status = 'x' GROUP BY 1", "OR in WHERE")]
    [InlineData("SELECT region, MEASURE(revenue) FROM metrics.orders WHERE MEASURE(revenue) > 5 GROUP BY 1", "belongs in HAVING")]
    [InlineData("SELECT region, MEASURE(customers) FROM metrics.orders GROUP BY 1", "'customers' is not a metric of metrics.orders")]
    [InlineData("SELECT upper(region), MEASURE(revenue) FROM metrics.orders GROUP BY 1", "the function upper(…) in the select list")]
    public async Task What_does_not_map_to_a_metric_query_is_refused_with_a_42_error_naming_the_part(string sql, string expected)
    {
        await using var connection = await fixture.OpenAsync("ana");
        await using var command = new NpgsqlCommand(sql, connection);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteReaderAsync());
        Assert.StartsWith("42", refused.SqlState, StringComparison.Ordinal);
        Assert.Contains(expected, refused.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metric_relations_are_listed_with_their_dimensions_and_typed_measures_for_what_the_principal_may_query()
    {
        const string sql = """
            SELECT table_name, column_name, data_type FROM information_schema.columns
            WHERE table_schema = 'metrics' ORDER BY table_name, ordinal_position
            """;
        await using var ana = await fixture.OpenAsync("ana");
        var columns = await PgMetricsFixture.RowsAsync(new NpgsqlCommand(sql, ana));

        Assert.Equal(["customers", "orders"], columns.Select(c => c.Split('|')[0]).Distinct());
        var orders = columns.Where(c => c.StartsWith("orders|", StringComparison.Ordinal)).Select(c => c["orders|".Length..]).ToList();
        Assert.Contains("region|text", orders);
        Assert.Contains("ordered_at|timestamp without time zone", orders);
        // A dimension of a model the orders reach, named as a metric query names it.
        Assert.Contains(orders, c => c.EndsWith(".segment|text", StringComparison.Ordinal));
        // Measures last, each typed as its answer: a sum of decimals, a count, a ratio.
        Assert.Equal(["revenue|numeric", "orders|bigint", "aov|double precision"], orders[^3..]);

        // A principal who may read customers only sees the customers' relation, not the orders' (as REST's catalog).
        await using var cust = await fixture.OpenAsync("cust");
        var seen = await PgMetricsFixture.RowsAsync(new NpgsqlCommand(sql, cust));
        Assert.Equal(["customers"], seen.Select(c => c.Split('|')[0]).Distinct());
        Assert.DoesNotContain(seen, c => c.Contains("revenue", StringComparison.Ordinal));
        await using var unseen = new NpgsqlCommand("SELECT pg_catalog.to_regclass('metrics.orders') IS NULL, pg_catalog.to_regclass('metrics.customers') IS NULL", cust);
        Assert.Equal(["True|False"], await PgMetricsFixture.RowsAsync(unseen));
    }

    [Fact]
    public async Task A_measure_column_is_described_as_a_measure_and_the_relation_by_its_model()
    {
        await using var connection = await fixture.OpenAsync("ana");
        var described = await PgMetricsFixture.RowsAsync(new NpgsqlCommand("""
            SELECT a.attname, pg_catalog.col_description(a.attrelid, a.attnum), pg_catalog.obj_description(c.oid, 'pg_class')
            FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'metrics' AND c.relname = 'orders' AND a.attname IN ('revenue', 'aov') ORDER BY a.attnum
            """, connection));
        Assert.Equal(2, described.Count);
        Assert.StartsWith("revenue|MEASURE(revenue)", described[0], StringComparison.Ordinal);
        Assert.StartsWith("aov|MEASURE(aov)", described[1], StringComparison.Ordinal);
        Assert.Contains("FROM metrics.orders GROUP BY", described[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Psql_lists_metric_relations_only_when_asked_and_describes_one()
    {
        var output = await PsqlAsync("ana", @"\dt metrics.*", @"\echo ==plain", @"\dt", @"\echo ==describe", @"\d metrics.orders");
        var (listed, rest) = (output.Split("==plain")[0], output.Split("==plain")[1]);
        var (plain, describe) = (rest.Split("==describe")[0], rest.Split("==describe")[1]);
        Assert.Contains("metrics|orders|table|", listed, StringComparison.Ordinal);
        Assert.Contains("metrics|customers|table|", listed, StringComparison.Ordinal);
        // Off the search path: \dt alone lists the datasets, not the metric relations.
        Assert.Contains("shop|orders|table|", plain, StringComparison.Ordinal);
        Assert.DoesNotContain("metrics|", plain, StringComparison.Ordinal);
        Assert.Contains("Table \"metrics.orders\"", describe, StringComparison.Ordinal);
        Assert.Contains("revenue|numeric", describe, StringComparison.Ordinal);
        Assert.Contains("region|text", describe, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unquoted_names_fold_to_lower_case_and_quoted_names_match_exactly_as_in_postgresql()
    {
        await using var connection = await fixture.OpenAsync("ana");
        await using var folded = new NpgsqlCommand("SELECT Region, MEASURE(Revenue) AS Rev FROM metrics.orders GROUP BY REGION ORDER BY rev DESC", connection);
        await using (var reader = await folded.ExecuteReaderAsync())
        {
            Assert.Equal(["region", "rev"], Enumerable.Range(0, reader.FieldCount).Select(reader.GetName));
            var rows = 0;
            while (await reader.ReadAsync()) rows++;
            Assert.Equal(3, rows);
        }
        await using var quoted = new NpgsqlCommand("SELECT region AS \"Where\", MEASURE(revenue) AS \"Rev\" FROM metrics.orders GROUP BY \"Where\" ORDER BY \"Rev\"", connection);
        Assert.Equal(3, (await PgMetricsFixture.RowsAsync(quoted)).Count);
        // "Rev" is not rev: the unquoted name folds to a column the relation does not have, as PostgreSQL would say.
        await using var mismatched = new NpgsqlCommand("SELECT region, MEASURE(revenue) AS \"Rev\" FROM metrics.orders GROUP BY region ORDER BY Rev", connection);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => mismatched.ExecuteReaderAsync());
        Assert.StartsWith("42", refused.SqlState, StringComparison.Ordinal);
        Assert.Contains("'rev'", refused.MessageText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("DESCRIBE orders")]
    [InlineData("SHOW orders")]
    [InlineData("DESCRIBE shop.orders")]
    public async Task Describe_of_a_dataset_lists_its_columns_from_the_principals_catalog(string sql)
    {
        await using var connection = await fixture.OpenAsync("ana");
        var rows = await PgMetricsFixture.RowsAsync(new NpgsqlCommand(sql, connection));
        Assert.Equal(["order_id|BIGINT|YES", "customer_id|BIGINT|YES", "region|TEXT|YES"], rows.Take(3).Select(r => string.Join('|', r.Split('|')[..3])));
        Assert.Equal(7, rows.Count);
    }

    [Fact]
    public async Task Describe_of_a_metric_relation_lists_dimensions_and_measures_and_an_unseen_relation_does_not_exist()
    {
        await using var ana = await fixture.OpenAsync("ana");
        var rows = await PgMetricsFixture.RowsAsync(new NpgsqlCommand("DESCRIBE metrics.orders", ana));
        Assert.Contains("revenue|NUMERIC|YES|||", rows);
        Assert.Contains("region|TEXT|YES|||", rows);

        await using var cust = await fixture.OpenAsync("cust");
        foreach (var sql in new[] { "DESCRIBE orders", "DESCRIBE metrics.orders", "DESCRIBE nothing" })
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => new NpgsqlCommand(sql, cust).ExecuteReaderAsync());
            Assert.Equal("42P01", refused.SqlState);
        }
    }

    private async Task<string> PsqlAsync(string principal, params string[] commands)
    {
        var arguments = new List<string> { "-X", "-w", "-A", $"host=127.0.0.1 port={fixture.Port} user={principal} dbname=shop sslmode=disable connect_timeout=10" };
        foreach (var command in commands) arguments.AddRange(["-c", command]);
        var start = new System.Diagnostics.ProcessStartInfo("psql", arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["PGPASSWORD"] = fixture.Tokens[principal];
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await error);
        return await output;
    }

    [Fact]
    public async Task A_metric_relation_that_does_not_exist_is_42P01()
    {
        await using var connection = await fixture.OpenAsync("ana");
        await using var command = new NpgsqlCommand("SELECT MEASURE(revenue) FROM metrics.nothing", connection);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteReaderAsync());
        Assert.Equal("42P01", refused.SqlState);
    }
}
