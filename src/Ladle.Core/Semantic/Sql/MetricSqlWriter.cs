using System.Globalization;
using System.Text;
using Ladle.Core.Model;
using Ladle.Core.Queries;
using Ladle.Core.Semantic.Planning;
using Ladle.Core.Semantic.Queries;
using Ladle.Core.Sql;

namespace Ladle.Core.Semantic.Sql;

/// <summary>
/// Compiles a <see cref="MetricPlan"/> into one SQL statement for one engine. Each node aggregates its own model's
/// rows (with its many-to-one joins, each deduplicated on its key) before anything else is joined, so a sum or a
/// count is never inflated by another model's rows; the nodes' results are then put side by side on the query's
/// dimensions and time bucket, and the metrics computed over them. Values are always bound as parameters.
/// </summary>
public sealed partial class MetricSqlWriter
{
    private readonly MetricPlan _plan;
    private readonly SqlDialect _dialect;
    private readonly Func<string, string> _relationOf;
    private readonly IReadOnlyDictionary<string, IReadOnlyList<IReadOnlyList<Filter>>> _rowFilters;
    private readonly IReadOnlyDictionary<PlanNode, RollupSource> _rollups;
    private readonly SqlParameters _parameters;
    private readonly List<string> _ctes = [];

    private MetricSqlWriter(MetricPlan plan, SqlDialect dialect, Func<string, string> relationOf,
        IReadOnlyDictionary<string, IReadOnlyList<IReadOnlyList<Filter>>>? rowFilters, IReadOnlyDictionary<PlanNode, RollupSource>? rollups)
    {
        _plan = plan;
        _dialect = dialect;
        _relationOf = relationOf;
        _rowFilters = rowFilters ?? new Dictionary<string, IReadOnlyList<IReadOnlyList<Filter>>>();
        _rollups = rollups ?? new Dictionary<PlanNode, RollupSource>();
        _parameters = new SqlParameters(dialect);
    }

    /// <summary>
    /// The statement for <paramref name="plan"/>. <paramref name="relationOf"/> gives each dataset's relation in the
    /// engine (a published version's table, a source table); <paramref name="rowFilters"/> are conditions a policy
    /// adds per dataset (groups of conditions, one per grant: a row shows when one group holds), applied to that dataset's rows before anything is aggregated; <paramref name="rollups"/>
    /// are the nodes a rollup answers.
    /// </summary>
    public static SqlStatement Write(MetricPlan plan, SqlDialect dialect, Func<string, string> relationOf,
        IReadOnlyDictionary<string, IReadOnlyList<IReadOnlyList<Filter>>>? rowFilters = null, IReadOnlyDictionary<PlanNode, RollupSource>? rollups = null)
    {
        var writer = new MetricSqlWriter(plan, dialect, relationOf, rowFilters, rollups);
        var text = writer.Statement();
        return new SqlStatement(text, writer._parameters.Values);
    }

    private string Bind(object value) => _parameters.Bind(value);

    private string Q(string identifier) => _dialect.Quote(identifier);

    private static string D(int i) => "d" + i.ToString(CultureInfo.InvariantCulture);

    private string Statement()
    {
        foreach (var node in _plan.Nodes) WriteNode(node);
        var dims = _plan.DimensionCount;
        var hasTime = _plan.Grain is not null;
        var keys = Enumerable.Range(0, dims).Select(D).Concat(hasTime ? ["t"] : []).ToList();

        var select = new List<string>();
        string from;
        var single = _plan.Nodes.Count == 1 && _plan.Fill == FillMode.None && _plan.Nodes[0].ShapesFrame;
        if (single)
        {
            from = Q(_plan.Nodes[0].Id);
            select.AddRange(keys.Select(k => $"{Q(_plan.Nodes[0].Id)}.{Q(k)}"));
        }
        else if (keys.Count == 0)
        {
            // Without dimensions or time every node is one row: they are simply put side by side.
            from = string.Join(" CROSS JOIN ", _plan.Nodes.Select(n => Q(n.Id)));
        }
        else
        {
            _ctes.Add($"{Q("f")} AS ({Frame(keys, dims)})");
            var joins = new StringBuilder(Q("f"));
            foreach (var node in _plan.Nodes)
            {
                var on = Enumerable.Range(0, dims).Select(i => _dialect.NotDistinct($"{Q("f")}.{Q(D(i))}", $"{Q(node.Id)}.{Q(D(i))}")).ToList();
                if (hasTime)
                    on.Add(node.Offset is { } offset
                        ? $"{Q(node.Id)}.{Q("t")} = {_dialect.ShiftBack($"{Q("f")}.{Q("t")}", offset, _plan.BucketType)}"
                        : $"{Q(node.Id)}.{Q("t")} = {Q("f")}.{Q("t")}");
                joins.Append(" LEFT JOIN ").Append(Q(node.Id)).Append(" ON ").AppendJoin(" AND ", on);
            }
            from = joins.ToString();
            select.AddRange(keys.Select(k => $"{Q("f")}.{Q(k)}"));
        }

        var outputs = _plan.Columns.Where(c => c.Role != OutputRole.Metric).Select(c => c.Name).ToList();
        var query = new StringBuilder("SELECT ");
        query.AppendJoin(", ", select.Select((s, i) => $"{s} AS {Q(outputs[i])}")
            .Concat(_plan.Values.Select((v, i) => $"{Value(v)} AS {Q(_plan.Metrics[i].Name)}")));
        query.Append(" FROM ").Append(from);

        var body = query.ToString();
        var final = new StringBuilder();
        if (_plan.MetricFilters.Count > 0)
        {
            final.Append("SELECT * FROM (").Append(body).Append(") AS ").Append(Q("q")).Append(" WHERE ");
            final.AppendJoin(" AND ", _plan.MetricFilters.Select(f => _dialect.RenderFilter(Q(_plan.Metrics[f.Metric].Name), f.Filter, _parameters)));
        }
        else final.Append(body);
        if (_plan.Order.Count > 0)
            final.Append(" ORDER BY ").AppendJoin(", ", _plan.Order.Select(o => _dialect.OrderKey(Q(o.Column), o.Descending)));
        if (_plan.Limit is { } limit) final.Append(" LIMIT ").Append(limit.ToString(CultureInfo.InvariantCulture));
        return "WITH " + string.Join(",\n", _ctes) + "\n" + final;
    }

    /// <summary>The rows of the answer: every key any node has, or with fill, every period for every key.</summary>
    private string Frame(IReadOnlyList<string> keys, int dims)
    {
        var shaping = _plan.Nodes.Where(n => n.ShapesFrame).ToList();
        if (_plan.Fill == FillMode.None)
            return string.Join(" UNION ", shaping.Select(n => $"SELECT {string.Join(", ", keys.Select(Q))} FROM {Q(n.Id)}"));

        var grain = _plan.Grain!.Value;
        string first, last;
        if (_plan.Range is { From: { } from, To: { } to })
        {
            first = Bind(BucketValue(TimeGrains.Truncate(from, grain)));
            last = Bind(BucketValue(TimeGrains.Truncate(to.AddTicks(-1), grain)));
        }
        else
        {
            var all = string.Join(" UNION ALL ", shaping.Select(n => $"SELECT {Q("t")} FROM {Q(n.Id)}"));
            first = _plan.Range?.From is { } f ? Bind(BucketValue(TimeGrains.Truncate(f, grain))) : $"(SELECT min({Q("t")}) FROM ({all}) AS {Q("a")})";
            last = _plan.Range?.To is { } e ? Bind(BucketValue(TimeGrains.Truncate(e.AddTicks(-1), grain))) : $"(SELECT max({Q("t")}) FROM ({all}) AS {Q("a")})";
        }
        var series = _dialect.Series($"(SELECT {first} AS {Q("lo")}, {last} AS {Q("hi")}) AS {Q("bb")}", $"{Q("bb")}.{Q("lo")}", $"{Q("bb")}.{Q("hi")}", grain, _plan.BucketType);
        if (dims == 0) return series;
        var dimKeys = string.Join(", ", Enumerable.Range(0, dims).Select(i => Q(D(i))));
        // DISTINCT: a node has one row per combination and period, so one combination repeats across periods.
        var combos = string.Join(" UNION ", shaping.Select(n => $"SELECT DISTINCT {dimKeys} FROM {Q(n.Id)}"));
        return $"SELECT {string.Join(", ", Enumerable.Range(0, dims).Select(i => $"{Q("k")}.{Q(D(i))}"))}, {Q("s")}.{Q("t")} FROM ({combos}) AS {Q("k")} CROSS JOIN ({series}) AS {Q("s")}";
    }

    /// <summary>A bucket start (wall-clock) as the value a bucket column holds: a date, or for hours the UTC instant.</summary>
    private object BucketValue(DateTime local) =>
        _plan.BucketType == LadleType.Date ? DateOnly.FromDateTime(local) : TimeZones.ToUtc(local, _plan.Zone);

    private string Value(MetricValue value) => value switch
    {
        MeasureValue m => MeasureSql(m),
        RatioValue r => $"({_dialect.Cast(Value(r.Numerator), LadleType.Double)} / NULLIF({_dialect.Cast(Value(r.Denominator), LadleType.Double)}, 0))",
        DerivedValue d => d.Expression.ToSql(name => _dialect.Cast(Value(d.Inputs[name]), LadleType.Double)),
        _ => throw new ArgumentOutOfRangeException(nameof(value)),
    };

    private string MeasureSql(MeasureValue m)
    {
        var column = $"{Q(m.Node.Id)}.{Q(m.Measure.Name)}";
        // No rows counted is a count of zero; a sum of no rows stays null unless the query asks for zeros.
        var zero = _plan.Fill == FillMode.Zero || m.Measure.Agg is Aggregation.Count or Aggregation.CountDistinct && _plan.Nodes.Count > 1;
        return zero ? $"COALESCE({column}, 0)" : column;
    }
}
