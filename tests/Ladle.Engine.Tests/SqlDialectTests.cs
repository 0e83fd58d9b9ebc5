using System.Data.Common;
using System.Text.RegularExpressions;
using DuckDB.NET.Data;
using Ladle.Core.Loading;
using Ladle.Core.Model;
using Ladle.Core.Queries;
using Ladle.Core.Semantic.Planning;
using Ladle.Core.Semantic.Queries;
using Ladle.Core.Semantic.Sql;
using Ladle.Core.Sql;
using Ladle.Engine.Sql;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Ladle.Engine.Tests;

/// <summary>
/// The one dialect hierarchy: the rows builder and the metric writer render filters and row filters through the same
/// code, and hostile names and values stay names and bound values in every engine.
/// </summary>
public sealed partial class SqlDialectTests
{
    public static TheoryData<string> Dialects => ["duckdb", "postgres", "sqlite"];

    internal static SqlDialect DialectNamed(string name) =>
        new[] { SqlDialect.DuckDb, SqlDialect.Postgres, SqlDialect.Sqlite }.Single(d => d.Name == name);

    // Every operator, in the request's filters and in the policy's groups (one group per grant; an OR of ANDs).
    private static readonly string[] RequestFilters = ["region:in:EU,US", "region:ne:APAC", "region:like:E%", "region:notnull"];

    internal static readonly IReadOnlyList<IReadOnlyList<Filter>> Groups =
    [
        [new Filter("region", FilterOperator.Eq, ["EU"]), new Filter("amount", FilterOperator.Between, [10m, 20m])],
        [new Filter("region", FilterOperator.In, ["US", "x'; DROP TABLE orders; --"]), new Filter("amount", FilterOperator.Ge, [5m]), new Filter("status", FilterOperator.IsNull, [])],
        [new Filter("status", FilterOperator.Like, ["done%"]), new Filter("amount", FilterOperator.Lt, [100m])],
    ];

    [Theory]
    [MemberData(nameof(Dialects))]
    public void Filters_and_row_filter_groups_render_identically_for_rows_and_metrics(string name)
    {
        var dialect = DialectNamed(name);
        using var p = new TestProject("");
        p.Dataset("orders", "source: files\ntable: orders.csv\ncolumns:\n  - { name: order_id, type: integer }\n  - { name: region, type: string }\n" +
                            "  - { name: status, type: string }\n  - { name: amount, type: decimal }\n");
        p.Write("models/orders.yaml", "dataset: orders\nentities:\n  - { name: order, type: primary }\ndimensions:\n  - { name: region }\n" +
                                      "measures:\n  - { name: revenue, agg: sum, column: amount }\nmetrics:\n  - { name: revenue, measure: revenue }\n");
        var project = p.Load();
        var schema = new DatasetSchema(project.Datasets.Single().Columns.Select(c => new SchemaColumn(c.Name, c.Type)).ToList());

        var rowsQuery = RowsRequestParser.Parse("orders", schema, "region", RequestFilters, null, null, null) with { PolicyFilters = Groups };
        var rows = SelectBuilder.Build(dialect, "orders_rel", schema, rowsQuery, []);

        var plan = MetricPlanner.Plan(project.Semantic, new MetricQuery { Metrics = ["revenue"], Dimensions = ["region"], Filters = RequestFilters }, DateTimeOffset.UtcNow);
        var metric = MetricSqlWriter.Write(plan, dialect, _ => "orders_rel", new Dictionary<string, IReadOnlyList<IReadOnlyList<Filter>>> { ["orders"] = Groups });

        // Rows: WHERE <request filters> AND <row filter>. Metrics: the row filter inside the dataset's own subquery
        // (columns as "s"."col"), the request's filters on the node's dimension column ("b"."c0" is region).
        var rowsWhere = rows.Text[(rows.Text.IndexOf(" WHERE ", StringComparison.Ordinal) + 7)..];
        var inner = RowFilterOfSubquery().Match(metric.Text);
        var outer = NodeWhere().Match(metric.Text);
        Assert.True(inner.Success && outer.Success, metric.Text);
        var metricWhere = outer.Groups[1].Value.Replace("\"b\".\"c0\"", dialect.Quote("region"), StringComparison.Ordinal) + " AND " +
                          inner.Groups[1].Value.Replace($"{dialect.Quote("s")}.", "", StringComparison.Ordinal);
        Assert.Equal(rowsWhere, metricWhere);
        Assert.Equal(rows.Parameters, metric.Parameters);
        Assert.Equal(4 + 3 + 3 + 2, rows.Parameters.Count);
        Assert.DoesNotContain("DROP TABLE", rows.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("DROP TABLE", metric.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void One_grant_without_conditions_lets_every_row_through_and_no_grant_adds_no_condition()
    {
        var dialect = SqlDialect.DuckDb;
        var parameters = new SqlParameters(dialect);
        Assert.Null(dialect.RenderRowFilter([], f => f.Column, parameters));
        Assert.Equal("((\"region\" = $p1) OR (1 = 1))",
            dialect.RenderRowFilter([[new Filter("region", FilterOperator.Eq, ["EU"])], []], f => dialect.Quote(f.Column), parameters));
        Assert.Equal(["EU"], parameters.Values);
    }

    public const string HostileName = "na\"me; DROP TABLE \"t\"; --";
    public const string HostileValue = "x'); DROP TABLE t; --";

    [Theory]
    [InlineData("duckdb", "\"na\"\"me; DROP TABLE \"\"t\"\"; --\"")]
    [InlineData("postgres", "\"na\"\"me; DROP TABLE \"\"t\"\"; --\"")]
    [InlineData("sqlite", "\"na\"\"me; DROP TABLE \"\"t\"\"; --\"")]
    public void Hostile_identifiers_are_quoted_and_hostile_values_bound(string name, string quoted)
    {
        var dialect = DialectNamed(name);
        Assert.Equal(quoted, dialect.Quote(HostileName));
        var statement = SelectBuilder.Build(dialect, dialect.QuoteQualified("s.t"), HostileSchema, HostileQuery, []);
        Assert.Contains(quoted, statement.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(HostileValue, statement.Text, StringComparison.Ordinal);
        Assert.Equal([HostileValue, HostileValue], statement.Parameters);
        Assert.StartsWith("SELECT \"id\", " + quoted + " FROM \"s\".\"t\" AS t WHERE " + quoted + " = " + dialect.Placeholder(0) + " AND " + quoted + " = " + dialect.Placeholder(1), statement.Text, StringComparison.Ordinal);
    }

    internal static readonly DatasetSchema HostileSchema = new([new SchemaColumn("id", LadleType.Integer), new SchemaColumn(HostileName, LadleType.String)]);

    internal static readonly RowsQuery HostileQuery = new()
    {
        Dataset = "t",
        Filters = [new Filter(HostileName, FilterOperator.Eq, [HostileValue])],
        PolicyFilters = [[new Filter(HostileName, FilterOperator.Eq, [HostileValue])]],
        Order = [new SortKey("id", false)],
    };

    [Fact]
    public async Task Hostile_names_and_values_run_as_names_and_values_in_duckdb()
    {
        await using var connection = new DuckDBConnection("Data Source=:memory:");
        await connection.OpenAsync();
        Assert.Equal([2L], await RunHostileAsync(connection, SqlDialect.DuckDb, "s"));
    }

    [Fact]
    public async Task Hostile_names_and_values_run_as_names_and_values_in_sqlite()
    {
        await using var connection = new SqliteConnection("Data Source=:memory:");
        await connection.OpenAsync();
        Assert.Equal([2L], await RunHostileAsync(connection, SqlDialect.Sqlite, "main"));
    }

    /// <summary>
    /// Creates <schema>.t with the hostile column (rows 1: 'plain', 2: the hostile value), runs the hostile query as a
    /// connector would bind it, and proves the table is still whole. Returns the ids the query answered.
    /// </summary>
    internal static async Task<List<long>> RunHostileAsync(DbConnection connection, SqlDialect dialect, string schema)
    {
        var column = dialect.Quote(HostileName);
        if (dialect != SqlDialect.Sqlite) await ExecuteAsync(connection, $"CREATE SCHEMA IF NOT EXISTS {schema}");
        await ExecuteAsync(connection, $"CREATE TABLE {schema}.t (id {dialect.TypeName(LadleType.Integer)}, {column} {dialect.TypeName(LadleType.String)})");
        await ExecuteAsync(connection, $"INSERT INTO {schema}.t VALUES (1, 'plain'), (2, {SqlDialect.Literal(HostileValue)})");

        var statement = SelectBuilder.Build(dialect, dialect.QuoteQualified($"{schema}.t"), HostileSchema, HostileQuery, []);
        await using var command = connection.CreateCommand();
        command.CommandText = statement.Text;
        for (var i = 0; i < statement.Parameters.Count; i++)
        {
            DbParameter parameter = connection switch
            {
                DuckDBConnection => new DuckDBParameter(dialect.ParameterName(i), statement.Parameters[i]),
                SqliteConnection => new SqliteParameter(dialect.ParameterName(i), statement.Parameters[i]),
                _ => new NpgsqlParameter { Value = statement.Parameters[i] },
            };
            command.Parameters.Add(parameter);
        }
        var ids = new List<long>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) ids.Add(Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture));

        await using var count = connection.CreateCommand();
        count.CommandText = $"SELECT count(*) FROM {schema}.t";
        Assert.Equal(2L, Convert.ToInt64(await count.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
        return ids;
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    [GeneratedRegex("AS \"s\" WHERE (.*?)\\) AS \"b\"")]
    private static partial Regex RowFilterOfSubquery();

    [GeneratedRegex("\\) AS \"b\" WHERE (.*?) GROUP BY")]
    private static partial Regex NodeWhere();
}
