using System.Text;
using Ladle.Core.Model;
using Ladle.Core.Queries;
using Ladle.Core.Semantic.Planning;
using Ladle.Core.Sql;

namespace Ladle.Core.Semantic.Sql;

public sealed partial class MetricSqlWriter
{
    /// <summary>The bucket column of a rollup table.</summary>
    public const string RollupBucket = "__bucket";

    /// <summary>
    /// The partial aggregates a rollup keeps for a measure, chosen so coarser groups can be computed exactly:
    /// sums of sums, sums of counts, min of mins, sum and count for averages. Distinct counts and percentiles
    /// cannot be combined, so they are kept as they are and read only by queries with exactly the rollup's groups.
    /// </summary>
    public static IReadOnlyList<(string Column, Aggregation Agg)> Partials(MeasureDefinition measure) => measure.Agg switch
    {
        Aggregation.Sum => [($"{measure.Name}__sum", Aggregation.Sum)],
        Aggregation.Count => [($"{measure.Name}__count", Aggregation.Count)],
        Aggregation.Min => [($"{measure.Name}__min", Aggregation.Min)],
        Aggregation.Max => [($"{measure.Name}__max", Aggregation.Max)],
        Aggregation.Avg => [($"{measure.Name}__sum", Aggregation.Sum), ($"{measure.Name}__count", Aggregation.Count)],
        _ => [($"{measure.Name}__exact", measure.Agg)],
    };

    /// <summary>
    /// The rows of a rollup group its measure's filter kept: a query whose measures share one filter shows only
    /// groups with such rows (the rows path filters them in WHERE), and the rollup must show the same groups.
    /// </summary>
    public static string MatchedRows(MeasureDefinition measure) => $"{measure.Name}__rows";

    /// <summary>The SELECT that builds a rollup's table from one version of its model's dataset.</summary>
    public static string RollupSelect(RollupDefinition rollup, SemanticModel model, SqlDialect dialect, string relation)
    {
        var root = new RelationScope(dialect, "b", model, null, null);
        var select = new List<string>();
        foreach (var name in rollup.Dimensions)
        {
            var dimension = model.FindDimension(name)!;
            var expression = dimension.Sql is { } sql ? dialect.Cast($"({sql})", dimension.Type) : RelationScope.Column(dialect, dimension.Column!);
            select.Add($"{root.Need(dialect, expression)} AS {dialect.Quote(dimension.Name)}");
        }
        if (rollup.TimeDimension is { } timeName && rollup.Grain is { } grain)
        {
            var time = model.FindDimension(timeName)!;
            var raw = root.Need(dialect, time.Sql is { } sql ? dialect.Cast($"({sql})", time.Type) : RelationScope.Column(dialect, time.Column!));
            TimeZones.TryFind(rollup.Zone, out var zone);
            select.Add($"{(time.Type == LadleType.Date ? dialect.DateBucket(grain, raw) : dialect.TimestampBucket(grain, raw, zone))} AS {dialect.Quote(RollupBucket)}");
        }
        foreach (var measure in rollup.Measures.Select(m => model.Measures.First(x => x.Name == m)))
        {
            var value = measure.Sql is { } sql ? root.Need(dialect, $"({sql})")
                : measure.Column is { } c ? root.Need(dialect, RelationScope.Column(dialect, c))
                : null;
            var condition = measure.Filter is { } f ? root.Need(dialect, $"({f})") : null;
            foreach (var (column, agg) in Partials(measure))
                select.Add($"{dialect.Aggregate(agg, value, measure.Percentile, condition)} AS {dialect.Quote(column)}");
            select.Add($"{dialect.Aggregate(Aggregation.Count, null, 0, condition)} AS {dialect.Quote(MatchedRows(measure))}");
        }
        var text = new StringBuilder("SELECT ").AppendJoin(", ", select).Append(" FROM ")
            .Append(root.Render(dialect, relation, [], new SqlParameters(dialect)));
        AppendGroupBy(text, rollup.Dimensions.Count + (rollup.Grain is null ? 0 : 1));
        return text.ToString();
    }

    /// <summary>A node read from a rollup table: its partials combined into the query's groups and grain.</summary>
    private string RollupAggregate(PlanNode node, RollupSource source)
    {
        var rollup = source.Rollup;
        var r = Q("r");
        var select = new List<string>();
        for (var i = 0; i < node.Dimensions.Count; i++)
            select.Add($"{r}.{Q(node.Dimensions[i].Dimension?.Name ?? node.Dimensions[i].Entity!.Name)} AS {Q(D(i))}");
        var bucket = $"{r}.{Q(RollupBucket)}";
        var where = new List<string>();
        if (_plan.Grain is { } grain)
        {
            var bucketType = rollup.Grain == TimeGrain.Hour ? LadleType.Timestamp : LadleType.Date;
            var expression = grain == rollup.Grain ? bucket
                : bucketType == LadleType.Date ? _dialect.DateBucket(grain, bucket)
                : _dialect.TimestampBucket(grain, bucket, _plan.Zone);
            select.Add($"{expression} AS {Q("t")}");
        }
        if (node.ReadRange is { } range)
        {
            var hourly = rollup.Grain == TimeGrain.Hour;
            if (range.From is { } from) where.Add($"{bucket} >= {Bind(hourly ? TimeZones.ToUtc(from, _plan.Zone) : DateOnly.FromDateTime(from))}");
            if (range.To is { } to) where.Add($"{bucket} < {Bind(hourly ? TimeZones.ToUtc(to, _plan.Zone) : DateOnly.FromDateTime(to))}");
        }
        foreach (var (dimension, filter) in node.Filters)
            where.Add(_dialect.RenderFilter($"{r}.{Q(dimension.Dimension?.Name ?? dimension.Entity!.Name)}", filter, _parameters));
        // The matcher chose this rollup only if it groups by every row-filtered column as it is.
        string GroupedColumn(Filter filter) => $"{r}.{Q((RollupMatcher.FilterDimension(node.Model, rollup, filter)
            ?? throw new InvalidOperationException($"rollup '{rollup.Name}' cannot apply the row filter on '{filter.Column}'")).Name)}";
        if (_dialect.RenderRowFilter(RowFilters(node.Model.Dataset.Name), GroupedColumn, _parameters) is { } rowFilter) where.Add(rowFilter);
        foreach (var measure in node.Measures)
        {
            var partials = Partials(measure).Select(p => $"{r}.{Q(p.Column)}").ToList();
            var combined = measure.Agg switch
            {
                Aggregation.Sum => $"sum({partials[0]})",
                Aggregation.Count => _dialect.Cast($"sum({partials[0]})", LadleType.Integer),
                Aggregation.Min => $"min({partials[0]})",
                Aggregation.Max => $"max({partials[0]})",
                Aggregation.Avg => $"({_dialect.Cast($"sum({partials[0]})", LadleType.Double)} / NULLIF({_dialect.Cast($"sum({partials[1]})", LadleType.Double)}, 0))",
                // Only read when each group of the query is exactly one row of the rollup.
                _ => $"min({partials[0]})",
            };
            select.Add($"{combined} AS {Q(measure.Name)}");
        }
        var sql = new StringBuilder("SELECT ").AppendJoin(", ", select).Append(" FROM ").Append(source.Relation).Append(" AS ").Append(r);
        if (where.Count > 0) sql.Append(" WHERE ").AppendJoin(" AND ", where);
        AppendGroupBy(sql, node.Dimensions.Count + (_plan.Grain is null ? 0 : 1));
        if (SharedFilter(node) is not null)
            sql.Append(" HAVING sum(").Append(r).Append('.').Append(Q(MatchedRows(node.Measures[0]))).Append(") > 0");
        return sql.ToString();
    }
}
