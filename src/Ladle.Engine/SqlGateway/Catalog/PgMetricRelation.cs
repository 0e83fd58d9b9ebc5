using Ladle.Core.Model;
using Ladle.Core.Semantic;
using Ladle.Core.Semantic.Planning;

namespace Ladle.Engine.SqlGateway.Catalog;

/// <summary>
/// A semantic model as the relation <c>metrics.&lt;model&gt;</c> that metric SQL reads (<see cref="SqlMetricTranslator"/>):
/// a column per dimension it can be grouped by (its own, then those of the models it reaches, as
/// <c>prefix.dimension</c>) and one per metric of the model, typed as the metric's answer. What a principal sees of it
/// is cut to its <see cref="MetricScope"/>, as REST's metric catalog is: no queryable metric, no relation.
/// </summary>
internal sealed class PgMetricRelation
{
    private readonly SemanticModel _model;
    private readonly uint _oid, _namespace, _owner, _rowType;
    private readonly List<DimensionRef> _dimensions;
    private readonly List<(MetricDefinition Metric, LadleType Type)> _metrics;

    public PgMetricRelation(SemanticLayer layer, SemanticModel model, uint oid, uint ns, uint owner, uint rowType)
    {
        _model = model;
        (_oid, _namespace, _owner, _rowType) = (oid, ns, owner, rowType);
        var reach = layer.ReachOf(model);
        _dimensions = reach.Prefixes.OrderBy(p => p.Value.Hops.Count).ThenBy(p => p.Key, StringComparer.Ordinal)
            .SelectMany(p => Dimensions(p.Key, p.Value)).ToList();
        // A metric is this relation's when its measures live in the model: the rule MEASURE(metric) applies.
        _metrics = layer.Metrics
            .Where(m => layer.MeasuresOf(m.Name) is { Count: > 0 } measures && string.Equals(measures[0].Model, model.Name, StringComparison.OrdinalIgnoreCase))
            .Select(m => (m, m.Kind is MetricKind.Simple or MetricKind.Cumulative && layer.FindMeasure(m.Measure!) is { } measure ? measure.Type : LadleType.Double))
            .ToList();
    }

    /// <summary>The relation as <paramref name="scope"/> shows it, or null when it holds no metric the principal may query.</summary>
    public PgTable? For(MetricScope scope)
    {
        var metrics = _metrics.Where(m => scope.Metric(m.Metric)).ToList();
        if (metrics.Count == 0) return null;
        var columns = new List<PgColumn>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var dimension in _dimensions.Where(scope.Dimension))
            if (names.Add(dimension.Name))
                columns.Add(Column(dimension.Name, TypeOf(dimension), columns.Count, dimension.Dimension?.Description ?? dimension.Entity?.Description));
        foreach (var (metric, type) in metrics)
            if (names.Add(metric.Name))
                columns.Add(Column(metric.Name, type, columns.Count, MeasureDescription(metric)));
        return new PgTable(_model.Name, PgCatalogModel.MetricsSchema, _oid, _namespace, _owner, _rowType, columns, null)
        {
            OwnerName = _model.Owner,
            Description = _model.Description ?? $"Metrics of {_model.Dataset.Name}: SELECT dimensions, MEASURE(metric) FROM {PgCatalogModel.MetricsSchema}.{_model.Name} GROUP BY dimensions",
        };
    }

    private static PgColumn Column(string name, LadleType type, int index, string? description)
    {
        var (oid, mod) = PgCatalogModel.TypeOf(type);
        return new PgColumn(name, (short)(index + 1), oid, mod, false, description);
    }

    /// <summary>A metric column's description says it is a measure (read with MEASURE), then what the YAML says of it.</summary>
    private static string MeasureDescription(MetricDefinition metric) =>
        $"MEASURE({metric.Name})" + (metric.Description ?? metric.Label) switch { { } text => ": " + text, null => "" };

    /// <summary>
    /// The dimensions (and single-column entity keys) a prefix offers, as the metric planner names them: the
    /// model's own plainly, those of a reached model as <c>prefix.name</c>.
    /// </summary>
    private static IEnumerable<DimensionRef> Dimensions(string prefix, JoinPath path) =>
        path.Target.Dimensions.Select(d => new DimensionRef(path.Hops.Count == 0 ? d.Name : $"{prefix}.{d.Name}", prefix, path, d, null))
            .Concat(path.Target.Entities.Where(e => e.Columns.Count == 1).Select(e => new DimensionRef(path.Hops.Count == 0 ? e.Name : $"{prefix}.{e.Name}", prefix, path, null, e)));

    // An entity's type is its key column's; an undeclared column is served as text.
    private static LadleType TypeOf(DimensionRef dimension) =>
        dimension.Dimension?.Type ?? dimension.Path.Target.Dataset.FindColumn(dimension.Entity!.Columns[0])?.Type ?? LadleType.String;
}
