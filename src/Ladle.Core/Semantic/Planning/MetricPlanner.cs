using System.Globalization;
using System.Text;
using Ladle.Core.Errors;
using Ladle.Core.Loading;
using Ladle.Core.Model;
using Ladle.Core.Queries;
using Ladle.Core.Semantic.Queries;
using SortKey = Ladle.Core.Queries.SortKey;

namespace Ladle.Core.Semantic.Planning;

/// <summary>
/// Checks a <see cref="MetricQuery"/> against the semantic layer and resolves it into a <see cref="MetricPlan"/>:
/// which nodes aggregate which measures, how every dimension is reached from each of them (and that it means the
/// same thing for all), the time bucket, zone and range. Every mistake is a 400 naming the parameter.
/// </summary>
public sealed partial class MetricPlanner
{
    private readonly SemanticLayer _layer;
    private readonly MetricQuery _query;
    private readonly MetricScope _scope;
    private readonly List<PlanNode> _nodes = [];
    private TimeGrain? _grain;

    private MetricPlanner(SemanticLayer layer, MetricQuery query, MetricScope scope)
    {
        _layer = layer;
        _query = query;
        _scope = scope;
    }

    /// <summary>
    /// Plans <paramref name="query"/>; relative ranges are resolved against <paramref name="now"/>; only the metrics
    /// and dimensions of <paramref name="scope"/> can be named (the others answer as unknown).
    /// </summary>
    public static MetricPlan Plan(SemanticLayer layer, MetricQuery query, DateTimeOffset now, long? maxLimit = null, MetricScope? scope = null) =>
        new MetricPlanner(layer, query, scope ?? MetricScope.All).Build(now, maxLimit);

    private MetricPlan Build(DateTimeOffset now, long? maxLimit)
    {
        if (_layer.Metrics.Count == 0 && _layer.Models.Count == 0)
            throw new NotFoundException("this project defines no metrics; describe datasets in models/*.yaml (entities, dimensions, measures, metrics)");
        var names = _query.Metrics.SelectMany(m => m.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        if (names.Count == 0) throw new InvalidRequestException("name at least one metric (metrics=revenue,orders)", "metrics");

        if (!string.IsNullOrWhiteSpace(_query.Granularity))
        {
            if (!TimeGrains.TryParse(_query.Granularity, out var grain))
                throw new InvalidRequestException($"unknown granularity '{_query.Granularity}' (expected one of: {TimeGrains.Allowed})", "granularity");
            _grain = grain;
        }
        var fill = FillMode.None;
        if (!string.IsNullOrWhiteSpace(_query.Fill) && !Enum.TryParse(_query.Fill.Trim(), ignoreCase: true, out fill) || int.TryParse(_query.Fill, out _))
            throw new InvalidRequestException($"unknown fill '{_query.Fill}' (expected none, zero or null)", "fill");
        if (fill != FillMode.None && _grain is null)
            throw new InvalidRequestException("fill adds the periods without data, so it needs a time granularity (granularity=day)", "fill");

        var metrics = new List<MetricDefinition>();
        var values = new List<MetricValue>();
        foreach (var name in names)
        {
            var metric = FindMetric(name);
            if (!_scope.Metric(metric)) throw UnknownMetric(name);
            if (metrics.Any(m => string.Equals(m.Name, metric.Name, StringComparison.OrdinalIgnoreCase)))
                throw new InvalidRequestException($"metric '{metric.Name}' is named twice", "metrics");
            metrics.Add(metric);
            values.Add(Expand(metric, null, 0));
        }

        var needsTime = _grain is not null || !string.IsNullOrWhiteSpace(_query.Range) || !string.IsNullOrWhiteSpace(_query.TimeDimension);
        foreach (var node in _nodes)
        {
            if (node.Offset is not null || node.Accumulation is not null) needsTime = true;
            if (needsTime) node.Time = ResolveTime(node);
        }

        var zone = ResolveZone();
        var localNow = TimeZones.ToLocal(now.UtcDateTime, zone);
        DateRange? range = string.IsNullOrWhiteSpace(_query.Range) ? null : DateRange.Parse(_query.Range, localNow);
        if (range is { From: null, To: null }) range = null;

        var columns = new List<OutputColumn>();
        ResolveDimensions(columns);
        string? timeColumn = null;
        if (_grain is { } g)
        {
            timeColumn = string.IsNullOrWhiteSpace(_query.TimeDimension) ? "metric_time" : _nodes[0].Time!.Name;
            AddColumn(columns, new OutputColumn(timeColumn, g == TimeGrain.Hour ? LadleType.Timestamp : LadleType.Date, OutputRole.Time), "time");
        }
        for (var i = 0; i < metrics.Count; i++)
            AddColumn(columns, new OutputColumn(metrics[i].Name, TypeOf(values[i]), OutputRole.Metric), "metrics");

        var metricFilters = ResolveFilters(columns, metrics);
        foreach (var node in _nodes) SetRanges(node, range);
        CheckPeriods(fill, localNow);
        var order = ResolveOrder(columns);
        var limit = ParseLimit(maxLimit);

        var datasets = _nodes.SelectMany(n => n.Datasets).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList();
        var plan = new MetricPlan
        {
            Metrics = metrics,
            Values = values,
            Nodes = _nodes,
            Columns = columns,
            Datasets = datasets,
            Grain = _grain,
            Zone = zone,
            Range = range,
            Fill = fill,
            MetricFilters = metricFilters,
            Order = order,
            Limit = limit,
        };
        plan.Key = KeyOf(plan);
        return plan;
    }

    private MetricDefinition FindMetric(string name)
    {
        if (_layer.FindMetric(name) is { } metric) return metric;
        if (_layer.FindMeasure(name) is { } measure)
        {
            var model = _layer.ModelOf(measure);
            return new MetricDefinition
            {
                Name = measure.Name, Kind = MetricKind.Simple, Measure = measure.Name, Description = measure.Description,
                Owner = model.Owner, File = model.File, Location = measure.Location,
            };
        }
        throw UnknownMetric(name);
    }

    private NotFoundException UnknownMetric(string name) =>
        new($"no metric '{name}' ({Suggest.Hint(name, _layer.Metrics.Where(_scope.Metric).Select(m => m.Name).ToList())})");

    /// <summary>The value of a metric, creating the nodes it needs; <paramref name="offset"/> shifts everything it reads.</summary>
    private MetricValue Expand(MetricDefinition metric, Period? offset, int depth)
    {
        if (depth > 32) throw new InvalidRequestException($"metric '{metric.Name}' nests too deeply", "metrics");
        switch (metric.Kind)
        {
            case MetricKind.Simple:
            case MetricKind.Cumulative:
                var measure = _layer.FindMeasure(metric.Measure!)!;
                var accumulation = metric.Kind == MetricKind.Cumulative ? new Accumulation(metric.Window, metric.GrainToDate) : null;
                var node = NodeFor(_layer.ModelOf(measure), offset, accumulation, metric);
                if (!node.Measures.Contains(measure)) node.Measures.Add(measure);
                return new MeasureValue(node, measure);
            case MetricKind.Ratio:
                return new RatioValue(
                    Expand(FindMetric(metric.Numerator!.Metric), Combine(offset, metric.Numerator.Offset, metric), depth + 1),
                    Expand(FindMetric(metric.Denominator!.Metric), Combine(offset, metric.Denominator.Offset, metric), depth + 1));
            default:
                var inputs = new Dictionary<string, MetricValue>(StringComparer.OrdinalIgnoreCase);
                foreach (var input in metric.Inputs)
                    inputs[input.Alias] = Expand(FindMetric(input.Metric), Combine(offset, input.Offset, metric), depth + 1);
                return new DerivedValue(metric.Expression!, inputs);
        }
    }

    private static Period? Combine(Period? outer, Period? inner, MetricDefinition metric)
    {
        if (outer is null) return inner;
        if (inner is null) return outer;
        if (outer.Value.Unit != inner.Value.Unit)
            throw new InvalidRequestException(
                $"metric '{metric.Name}' offsets an input by {inner} inside an offset of {outer}; offsets in different units cannot be added", "metrics");
        return new Period(outer.Value.Count + inner.Value.Count, outer.Value.Unit);
    }

    private PlanNode NodeFor(SemanticModel model, Period? offset, Accumulation? accumulation, MetricDefinition metric)
    {
        var node = _nodes.FirstOrDefault(n => ReferenceEquals(n.Model, model) && n.Offset == offset && Equals(n.Accumulation, accumulation));
        if (node is not null) return node;
        if ((offset is not null || accumulation is not null) && _grain is null)
            throw new InvalidRequestException(
                $"metric '{metric.Name}' is {(offset is not null ? $"compared with {offset} earlier" : accumulation!.ToString())}, which needs a time granularity (granularity=day, month, …)", "granularity");
        if (offset is { } o && !o.AlignsWith(_grain!.Value))
            throw new InvalidRequestException($"metric '{metric.Name}' looks {o} back, which does not land on whole {_grain.Value.Name()}s; query by a grain it aligns with", "granularity");
        if (accumulation is { Window: { } window } && (window.BucketsOf(_grain!.Value) ?? 0) < 1)
            throw new InvalidRequestException(
                $"metric '{metric.Name}' sums a window of {window}, which is not a whole number of {_grain.Value.Name()}s; query by a finer grain", "granularity");
        if (accumulation is { GrainToDate: { } toDate } && !TimeGrains.CanRollUp(_grain!.Value, toDate))
            throw new InvalidRequestException(
                $"metric '{metric.Name}' runs {toDate.Name()} to date, which {_grain.Value.Name()} buckets do not divide; query by a finer grain", "granularity");
        node = new PlanNode("n" + _nodes.Count.ToString(CultureInfo.InvariantCulture), model, _layer.ReachOf(model), offset, accumulation);
        _nodes.Add(node);
        return node;
    }

    private DimensionRef ResolveTime(PlanNode node)
    {
        DimensionRef? time;
        if (!string.IsNullOrWhiteSpace(_query.TimeDimension))
        {
            time = _layer.Resolve(node.Reach, _query.TimeDimension, out var error, _scope.Dimension)
                ?? throw new InvalidRequestException($"time dimension: {error}", "time");
            if (!time.IsTime)
                throw new InvalidRequestException($"'{time.Name}' is not a time dimension", "time");
        }
        else
        {
            var name = node.Model.DefaultTime ?? throw new InvalidRequestException(
                $"model '{node.Model.Name}' (of measure {string.Join(", ", node.Measures.Select(m => $"'{m.Name}'"))}) has no default_time; name the time dimension (time=…) or set default_time in {node.Model.File}", "time");
            time = _layer.Resolve(node.Reach, name, out _, _scope.Dimension) ?? throw new InvalidRequestException(
                $"the default time dimension of model '{node.Model.Name}' cannot be used here; query without a granularity or range", "time");
        }
        if (_grain is { } grain && !time.Dimension!.Granularities.Contains(grain))
            throw new InvalidRequestException(
                $"'{time.Name}' cannot be bucketed by {grain.Name()}; it offers {string.Join(", ", time.Dimension.Granularities.Select(g => g.Name()))}", "granularity");
        return time;
    }

    private TimeZoneInfo ResolveZone()
    {
        if (!string.IsNullOrWhiteSpace(_query.Zone))
        {
            if (!TimeZones.TryFind(_query.Zone, out var zone))
                throw new InvalidRequestException($"unknown time zone '{_query.Zone}' (expected {TimeZones.Expected})", "zone");
            return zone;
        }
        var zones = _nodes.Where(n => n.Time is { Type: LadleType.Timestamp }).Select(n => n.Time!.Dimension!.Zone).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (zones.Count > 1)
            throw new InvalidRequestException($"the metrics' time dimensions are in different zones ({string.Join(", ", zones)}); name the zone to use (zone=…)", "zone");
        return zones.Count == 1 && TimeZones.TryFind(zones[0], out var found) ? found : TimeZoneInfo.Utc;
    }

    private void ResolveDimensions(List<OutputColumn> columns)
    {
        var names = _query.Dimensions.SelectMany(d => d.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        foreach (var name in names)
        {
            var refs = ResolveEverywhere(name, "dimensions");
            foreach (var (node, r) in _nodes.Zip(refs)) node.Dimensions.Add(r);
            AddColumn(columns, new OutputColumn(refs[0].Name, refs[0].Type, OutputRole.Dimension), "dimensions");
        }
    }

    /// <summary>Resolves a dimension from every node; it must mean the same thing from each.</summary>
    private List<DimensionRef> ResolveEverywhere(string name, string parameter)
    {
        var refs = new List<DimensionRef>();
        foreach (var node in _nodes)
        {
            var r = _layer.Resolve(node.Reach, name, out var error, _scope.Dimension)
                ?? throw new InvalidRequestException(_nodes.Count > 1 ? $"{error}; '{name}' must be reachable from every metric's model" : error!, parameter);
            if (refs.Count > 0 && refs[0].Identity != r.Identity)
                throw new InvalidRequestException(
                    $"'{name}' means {Describe(refs[0])} for '{_nodes[0].Model.Name}' but {Describe(r)} for '{node.Model.Name}'; name the one you mean (e.g. {refs[0].Prefix}.{refs[0].Dimension?.Name ?? refs[0].Entity!.Name})", parameter);
            refs.Add(r);
        }
        return refs;
    }

    private static string Describe(DimensionRef r) => r.Dimension is not null ? $"{r.Prefix}.{r.Dimension.Name}" : $"entity '{r.Entity!.Refers}'";

    private static void AddColumn(List<OutputColumn> columns, OutputColumn column, string parameter)
    {
        if (columns.Any(c => string.Equals(c.Name, column.Name, StringComparison.OrdinalIgnoreCase)))
            throw new InvalidRequestException($"two output columns would be called '{column.Name}'; ask for each once", parameter);
        columns.Add(column);
    }

    private LadleType TypeOf(MetricValue value) => value switch
    {
        MeasureValue m => m.Measure.Type,
        _ => LadleType.Double,
    };
}
