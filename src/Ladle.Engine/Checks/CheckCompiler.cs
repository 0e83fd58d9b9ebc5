using System.Globalization;
using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Core.Queries;
using Ladle.Core.Sql;
using Ladle.Engine.Sql;

namespace Ladle.Engine.Checks;

/// <summary>
/// Compiles checks to SQL for the engine that holds the data, so no row is pulled into .NET to be checked.
/// Row checks measure (failing, total) in one scan; values from the project are bound as parameters.
/// </summary>
public static class CheckCompiler
{
    /// <summary>Failing rows kept for the owner to look at.</summary>
    public const int SampleRows = 20;

    /// <summary>
    /// Compiles a row-level check (not_null, unique, accepted_values, range, regex, relationships, sql) over
    /// <paramref name="relation"/>. <paramref name="resolveDataset"/> gives another dataset's relation (relationships).
    /// </summary>
    public static CompiledCheck Compile(CheckDefinition check, SqlDialect dialect, string relation, DatasetSchema schema, Func<string, string> resolveDataset)
    {
        var parameters = new SqlParameters(dialect);
        string Column(string name) => dialect.Quote(schema.Find(name)?.Name ?? name);

        switch (check.Kind)
        {
            case CheckKind.Unique:
            {
                var keys = string.Join(", ", check.Columns.Select(Column));
                var notNull = string.Join(" AND ", check.Columns.Select(c => $"{Column(c)} IS NOT NULL"));
                var groups = $"SELECT {keys}, count(*) AS occurrences FROM {relation} AS t WHERE {notNull} GROUP BY {keys} HAVING count(*) > 1";
                return new CompiledCheck(
                    new SqlStatement($"SELECT CAST((SELECT coalesce(sum(occurrences), 0) FROM ({groups}) AS d) AS BIGINT), (SELECT count(*) FROM {relation} AS t)", []),
                    new SqlStatement($"{groups} ORDER BY occurrences DESC LIMIT {SampleRows}", []));
            }
            case CheckKind.Sql:
            {
                var sql = check.Sql!.Trim().TrimEnd(';').Replace("{{ this }}", relation, StringComparison.Ordinal).Replace("{{this}}", relation, StringComparison.Ordinal);
                return new CompiledCheck(
                    new SqlStatement($"SELECT (SELECT count(*) FROM ({sql}) AS f), (SELECT count(*) FROM {relation} AS t)", []),
                    new SqlStatement($"SELECT * FROM ({sql}) AS f LIMIT {SampleRows}", []));
            }
            case CheckKind.Relationships:
            {
                var column = Column(check.Columns[0]);
                var target = resolveDataset(check.To!);
                var predicate = $"{column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {target} AS r WHERE r.{dialect.Quote(check.Field!)} = t.{column})";
                return RowPredicate(predicate);
            }
        }

        var columnName = check.Columns[0];
        var columnType = schema.Find(columnName)?.Type ?? LadleType.String;
        var c = Column(columnName);
        var failing = check.Kind switch
        {
            CheckKind.NotNull => $"{c} IS NULL",
            CheckKind.AcceptedValues =>
                $"{c} IS NOT NULL AND NOT ({dialect.RenderFilter(dialect.Cast(c, LadleType.String), new Filter(columnName, FilterOperator.In, check.Values), parameters)})",
            CheckKind.Range => RangePredicate(check, dialect, c, columnType, parameters),
            CheckKind.Regex => $"{c} IS NOT NULL AND NOT ({dialect.RegexFullMatch(c, parameters.Bind(check.Pattern!))})",
            _ => throw new ArgumentOutOfRangeException(nameof(check), check.Kind, "not a row check"),
        };
        return RowPredicate(failing);

        CompiledCheck RowPredicate(string predicate) => new(
            new SqlStatement($"SELECT CAST(coalesce(sum(CASE WHEN {predicate} THEN 1 ELSE 0 END), 0) AS BIGINT), count(*) FROM {relation} AS t", parameters.Values),
            new SqlStatement($"SELECT * FROM {relation} AS t WHERE {predicate} LIMIT {SampleRows}", parameters.Values));
    }

    /// <summary>A value outside the range: below its minimum or above its maximum (on them too when the range excludes them).</summary>
    private static string RangePredicate(CheckDefinition check, SqlDialect dialect, string column, LadleType type, SqlParameters parameters)
    {
        var probe = new SchemaColumn("bound", type);
        var parts = new List<string>();
        if (check.Min is not null)
            parts.Add(dialect.RenderFilter(column, new Filter(probe.Name, check.Inclusive ? FilterOperator.Lt : FilterOperator.Le, [Bound(check, probe, check.Min)]), parameters));
        if (check.Max is not null)
            parts.Add(dialect.RenderFilter(column, new Filter(probe.Name, check.Inclusive ? FilterOperator.Gt : FilterOperator.Ge, [Bound(check, probe, check.Max)]), parameters));
        return $"{column} IS NOT NULL AND ({string.Join(" OR ", parts)})";
    }

    private static object Bound(CheckDefinition check, SchemaColumn column, string text)
    {
        try { return RowsRequestParser.Convert(check.Name, column, text); }
        catch (InvalidRequestException)
        {
            throw new InvalidRequestException($"check '{check.Name}' at {check.Location}: bound '{text}' is not a valid {column.Type.Name()}");
        }
    }

    /// <summary>The measure an anomaly check follows, as one value.</summary>
    public static SqlStatement AnomalyMetricSql(CheckDefinition check, SqlDialect dialect, string relation, DatasetSchema schema)
    {
        var column = check.Columns.Count > 0 ? dialect.Quote(schema.Find(check.Columns[0])?.Name ?? check.Columns[0]) : null;
        return new SqlStatement(check.Metric switch
        {
            AnomalyMetric.RowCount => $"SELECT CAST(count(*) AS DOUBLE PRECISION) FROM {relation} AS t",
            AnomalyMetric.NullRate => $"SELECT CASE WHEN count(*) = 0 THEN 0 ELSE CAST(sum(CASE WHEN {column} IS NULL THEN 1 ELSE 0 END) AS DOUBLE PRECISION) / count(*) END FROM {relation} AS t",
            _ => $"SELECT CAST(avg({column}) AS DOUBLE PRECISION) FROM {relation} AS t",
        }, []);
    }

    /// <summary>Rows, and the newest value of a column (freshness).</summary>
    public static SqlStatement CountAndMax(SqlDialect dialect, string relation, string? column) =>
        new(column is null
            ? $"SELECT count(*), NULL FROM {relation} AS t"
            : $"SELECT count(*), max({dialect.Quote(column)}) FROM {relation} AS t", []);

    internal static string Describe(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
