using System.Globalization;
using System.Text;
using Ladle.Core.Model;
using Ladle.Core.Queries;
using Ladle.Core.Semantic.Planning;
using Ladle.Core.Sql;

namespace Ladle.Core.Semantic.Sql;

public sealed partial class MetricSqlWriter
{
    private void WriteNode(PlanNode node)
    {
        var aggregate = _rollups.TryGetValue(node, out var rollup) ? RollupAggregate(node, rollup) : RawAggregate(node);
        if (node.Accumulation is null)
        {
            _ctes.Add($"{Q(node.Id)} AS ({aggregate})");
            return;
        }
        var a = node.Id + "_a";
        _ctes.Add($"{Q(a)} AS ({aggregate})");
        _ctes.Add($"{Q(node.Id)} AS ({Accumulate(node, a)})");
    }

    /// <summary>The node's measures over its model's rows, joined to the models its dimensions live in.</summary>
    private string RawAggregate(PlanNode node)
    {
        var scopes = new List<RelationScope>();
        var byPath = new Dictionary<string, RelationScope>(StringComparer.Ordinal);
        var root = new RelationScope(_dialect, "b", node.Model, null, null);
        scopes.Add(root);
        byPath[""] = root;

        RelationScope ScopeOf(DimensionRef r)
        {
            var scope = root;
            var key = "";
            foreach (var hop in r.Path.Hops)
            {
                key += $"/{hop.FromEntity.Name}>{hop.To.Name}";
                if (!byPath.TryGetValue(key, out var next))
                {
                    next = new RelationScope(_dialect, "j" + scopes.Count.ToString(CultureInfo.InvariantCulture), hop.To, scope, hop);
                    scopes.Add(next);
                    byPath[key] = next;
                }
                scope = next;
            }
            return scope;
        }
        string Column(DimensionRef r) => ScopeOf(r).Need(_dialect, DimensionExpression(r));

        var select = new List<string>();
        for (var i = 0; i < node.Dimensions.Count; i++) select.Add($"{Column(node.Dimensions[i])} AS {Q(D(i))}");
        var where = new List<string>();
        if (node.Time is { } time)
        {
            var raw = Column(time);
            if (_plan.Grain is { } grain)
                select.Add($"{(time.Type == LadleType.Date ? _dialect.DateBucket(grain, raw) : _dialect.TimestampBucket(grain, raw, _plan.Zone))} AS {Q("t")}");
            if (node.ReadRange is { } range) where.AddRange(RangeConditions(raw, time.Type, range));
        }
        foreach (var (dimension, filter) in node.Filters) where.Add(_dialect.RenderFilter(Column(dimension), filter, _parameters));

        // One condition shared by every measure filters rows before grouping, which engines do fastest.
        var shared = SharedFilter(node);
        if (shared is not null) where.Add(root.Need(_dialect, $"({shared})"));
        foreach (var measure in node.Measures)
        {
            var value = measure.Sql is { } expression ? root.Need(_dialect, $"({expression})")
                : measure.Column is { } c ? root.Need(_dialect, RelationScope.Column(_dialect, c))
                : null;
            var condition = measure.Filter is { } f && shared is null ? root.Need(_dialect, $"({f})") : null;
            select.Add($"{_dialect.Aggregate(measure.Agg, value, measure.Percentile, condition)} AS {Q(measure.Name)}");
        }

        var sql = new StringBuilder("SELECT ").AppendJoin(", ", select).Append(" FROM ");
        sql.AppendJoin(" ", scopes.Select(s => s.Render(_dialect, _relationOf(s.Model.Dataset.Name), RowFilters(s.Model.Dataset.Name), _parameters)));
        if (where.Count > 0) sql.Append(" WHERE ").AppendJoin(" AND ", where);
        AppendGroupBy(sql, node.Dimensions.Count + (_plan.Grain is null ? 0 : 1));
        return sql.ToString();
    }

    /// <summary>The filter every measure of the node has, if they all have the same one.</summary>
    private static string? SharedFilter(PlanNode node) =>
        node.Measures.Select(m => m.Filter).Distinct().Count() == 1 ? node.Measures[0].Filter : null;

    private IReadOnlyList<IReadOnlyList<Filter>> RowFilters(string dataset) =>
        _rowFilters.FirstOrDefault(f => string.Equals(f.Key, dataset, StringComparison.OrdinalIgnoreCase)).Value ?? [];

    private static void AppendGroupBy(StringBuilder sql, int keys)
    {
        if (keys > 0) sql.Append(" GROUP BY ").AppendJoin(", ", Enumerable.Range(1, keys).Select(i => i.ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>A dimension as an expression over its own dataset's columns.</summary>
    private string DimensionExpression(DimensionRef r)
    {
        if (r.Dimension is { Sql: { } sql } dimension) return _dialect.Cast($"({sql})", dimension.Type);
        return RelationScope.Column(_dialect, r.Column!);
    }

    /// <summary>Rows of a wall-clock range: UTC bounds for timestamps (sargable, so engines skip what is outside), dates for dates.</summary>
    private IEnumerable<string> RangeConditions(string raw, LadleType type, Queries.DateRange range)
    {
        if (range.From is { } from)
            yield return $"{raw} >= {Bind(type == LadleType.Date ? DateOnly.FromDateTime(from) : TimeZones.ToUtc(from, _plan.Zone))}";
        if (range.To is { } to)
        {
            object bound = type == LadleType.Date
                ? DateOnly.FromDateTime(to.TimeOfDay == TimeSpan.Zero ? to : to.Date.AddDays(1))
                : TimeZones.ToUtc(to, _plan.Zone);
            yield return $"{raw} < {Bind(bound)}";
        }
    }

    /// <summary>
    /// A cumulative node: its per-bucket aggregate laid on every bucket (so a window counts empty periods as
    /// empty, not as missing), accumulated per dimension combination, then cut to the buckets shown.
    /// </summary>
    private string Accumulate(PlanNode node, string aggregate)
    {
        var grain = _plan.Grain!.Value;
        var accumulation = node.Accumulation!;
        var dims = node.Dimensions.Count;
        var a = Q(aggregate);
        var first = node.ReadRange?.From is { } from ? Bind(BucketValue(TimeGrains.Truncate(from, grain))) : $"(SELECT min({Q("t")}) FROM {a})";
        var last = node.ReadRange?.To is { } to ? Bind(BucketValue(TimeGrains.Truncate(to.AddTicks(-1), grain))) : $"(SELECT max({Q("t")}) FROM {a})";
        var series = _dialect.Series($"(SELECT {first} AS {Q("lo")}, {last} AS {Q("hi")}) AS {Q("bb")}", $"{Q("bb")}.{Q("lo")}", $"{Q("bb")}.{Q("hi")}", grain, _plan.BucketType);

        var partition = Enumerable.Range(0, dims).Select(i => $"{Q("k")}.{Q(D(i))}").ToList();
        if (accumulation.GrainToDate is { } toDate)
            partition.Add(_dialect.Truncate(toDate, _plan.BucketType == LadleType.Date ? $"{Q("s")}.{Q("t")}" : _dialect.LocalTime($"{Q("s")}.{Q("t")}", _plan.Zone)));
        var frame = accumulation.Window is { } window
            ? $"ROWS BETWEEN {(window.BucketsOf(grain)!.Value - 1).ToString(CultureInfo.InvariantCulture)} PRECEDING AND CURRENT ROW"
            : "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW";
        var over = $"OVER ({(partition.Count > 0 ? "PARTITION BY " + string.Join(", ", partition) + " " : "")}ORDER BY {Q("s")}.{Q("t")} {frame})";

        var select = Enumerable.Range(0, dims).Select(i => $"{Q("k")}.{Q(D(i))} AS {Q(D(i))}")
            .Append($"{Q("s")}.{Q("t")} AS {Q("t")}")
            .Concat(node.Measures.Select(m => $"sum(COALESCE({Q("x")}.{Q(m.Name)}, 0)) {over} AS {Q(m.Name)}"));
        var sql = new StringBuilder("SELECT ").AppendJoin(", ", select).Append(" FROM ");
        if (dims > 0)
            sql.Append($"(SELECT DISTINCT {string.Join(", ", Enumerable.Range(0, dims).Select(i => Q(D(i))))} FROM {a}) AS {Q("k")} CROSS JOIN ");
        sql.Append('(').Append(series).Append(") AS ").Append(Q("s")).Append(" LEFT JOIN ").Append(a).Append(" AS ").Append(Q("x")).Append(" ON ");
        sql.AppendJoin(" AND ", Enumerable.Range(0, dims).Select(i => _dialect.NotDistinct($"{Q("x")}.{Q(D(i))}", $"{Q("k")}.{Q(D(i))}"))
            .Append($"{Q("x")}.{Q("t")} = {Q("s")}.{Q("t")}"));

        var shown = new List<string>();
        if (node.ShowRange?.From is { } showFrom) shown.Add($"{Q("w")}.{Q("t")} >= {Bind(BucketValue(TimeGrains.Truncate(showFrom, grain)))}");
        if (node.ShowRange?.To is { } showTo) shown.Add($"{Q("w")}.{Q("t")} <= {Bind(BucketValue(TimeGrains.Truncate(showTo.AddTicks(-1), grain)))}");
        return shown.Count == 0 ? sql.ToString() : $"SELECT * FROM ({sql}) AS {Q("w")} WHERE {string.Join(" AND ", shown)}";
    }
}
