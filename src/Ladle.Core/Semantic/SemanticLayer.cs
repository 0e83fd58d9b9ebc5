using System.Collections.Concurrent;
using Ladle.Core.Loading;

namespace Ladle.Core.Semantic;

/// <summary>
/// The project's semantic models and metrics, loaded from models/*.yaml and compiled once at load: every reference
/// resolved, every expression checked against its dataset, every join path found and none ambiguous.
/// </summary>
public sealed class SemanticLayer
{
    private readonly Dictionary<string, SemanticModel> _models;
    private readonly Dictionary<string, MeasureDefinition> _measures;
    private readonly Dictionary<string, MetricDefinition> _metrics;
    private readonly IReadOnlyDictionary<string, ModelReach> _reach;
    private readonly ConcurrentDictionary<string, IReadOnlyList<string>> _groupable = new(StringComparer.OrdinalIgnoreCase);

    internal SemanticLayer(IReadOnlyList<SemanticModel> models, IReadOnlyList<MetricDefinition> metrics, IReadOnlyDictionary<string, ModelReach> reach,
        string fingerprint, TimeSpan compileTime)
    {
        Fingerprint = fingerprint;
        Models = models;
        Metrics = metrics;
        _reach = reach;
        CompileTime = compileTime;
        _models = models.ToDictionary(m => m.Name, StringComparer.OrdinalIgnoreCase);
        _measures = models.SelectMany(m => m.Measures).ToDictionary(m => m.Name, StringComparer.OrdinalIgnoreCase);
        _metrics = metrics.ToDictionary(m => m.Name, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>A project without models/.</summary>
    public static SemanticLayer Empty { get; } = new([], [], new Dictionary<string, ModelReach>(), "empty", TimeSpan.Zero);

    public IReadOnlyList<SemanticModel> Models { get; }

    /// <summary>Metrics in the order their files and entries were written.</summary>
    public IReadOnlyList<MetricDefinition> Metrics { get; }

    /// <summary>Every rollup of every model.</summary>
    public IEnumerable<RollupDefinition> Rollups => Models.SelectMany(m => m.Rollups);

    /// <summary>How long loading and compiling models/ took.</summary>
    public TimeSpan CompileTime { get; }

    /// <summary>Changes whenever any model or metric definition changes; part of every cache key.</summary>
    public string Fingerprint { get; }

    public SemanticModel? FindModel(string name) => _models.GetValueOrDefault(name);
    public MeasureDefinition? FindMeasure(string name) => _measures.GetValueOrDefault(name);
    public MetricDefinition? FindMetric(string name) => _metrics.GetValueOrDefault(name);

    /// <summary>The join paths from a model's measures.</summary>
    public ModelReach ReachOf(SemanticModel model) => _reach[model.Name];

    /// <summary>The model whose rows a measure aggregates.</summary>
    public SemanticModel ModelOf(MeasureDefinition measure) => _models[measure.Model];

    /// <summary>
    /// The measures a metric aggregates (through ratios and derived inputs), each once; metric names that are
    /// measures count as simple metrics of that measure.
    /// </summary>
    public IReadOnlyList<MeasureDefinition> MeasuresOf(string metricOrMeasure)
    {
        var result = new List<MeasureDefinition>();
        Collect(metricOrMeasure, result, 0);
        return result;
    }

    private void Collect(string name, List<MeasureDefinition> into, int depth)
    {
        if (depth > 32) return;
        if (FindMetric(name) is { } metric)
        {
            switch (metric.Kind)
            {
                case MetricKind.Simple or MetricKind.Cumulative:
                    if (FindMeasure(metric.Measure!) is { } m && !into.Contains(m)) into.Add(m);
                    break;
                case MetricKind.Ratio:
                    Collect(metric.Numerator!.Metric, into, depth + 1);
                    Collect(metric.Denominator!.Metric, into, depth + 1);
                    break;
                case MetricKind.Derived:
                    foreach (var input in metric.Inputs) Collect(input.Metric, into, depth + 1);
                    break;
            }
        }
        else if (FindMeasure(name) is { } measure && !into.Contains(measure)) into.Add(measure);
    }

    /// <summary>
    /// Resolves a dimension name (region, customers.region, an entity such as customer) from a model with
    /// measures; null with the reason when it cannot be resolved or is ambiguous.
    /// </summary>
    public DimensionRef? Resolve(ModelReach reach, string name, out string? error) => Resolve(reach, name, out error, null);

    /// <summary>
    /// As <see cref="Resolve(ModelReach, string, out string?)"/>, seeing only the dimensions <paramref name="allowed"/>
    /// admits: any other is reported, and left out of hints, exactly as one that does not exist.
    /// </summary>
    public DimensionRef? Resolve(ModelReach reach, string name, out string? error, Func<DimensionRef, bool>? allowed)
    {
        error = null;
        allowed ??= _ => true;
        var text = name.Trim();
        var dot = text.IndexOf('.');
        if (dot >= 0)
        {
            var prefix = text[..dot];
            var rest = text[(dot + 1)..];
            var prefixes = reach.Prefixes.Where(p => DimensionsOf(p.Key, p.Value).Any(allowed)).Select(p => p.Key).ToList();
            if (!reach.Prefixes.TryGetValue(prefix, out var path) || !prefixes.Contains(prefix, StringComparer.OrdinalIgnoreCase))
            {
                error = $"'{prefix}' is not a model reachable from '{reach.Model.Name}' through its entities ({Suggest.Hint(prefix, prefixes)})";
                return null;
            }
            var canonicalPrefix = reach.Prefixes.Keys.First(k => string.Equals(k, prefix, StringComparison.OrdinalIgnoreCase));
            var target = path.Target;
            if (target.FindDimension(rest) is { } d && new DimensionRef($"{canonicalPrefix}.{d.Name}", canonicalPrefix, path, d, null) is var dr && allowed(dr)) return dr;
            if (target.FindEntity(rest) is { Columns.Count: 1 } e && new DimensionRef($"{canonicalPrefix}.{e.Name}", canonicalPrefix, path, null, e) is var er && allowed(er)) return er;
            error = $"model '{target.Name}' has no dimension '{rest}' ({Suggest.Hint(rest, DimensionsOf(canonicalPrefix, path).Where(allowed).Where(r => r.Dimension is not null).Select(r => r.Dimension!.Name).ToList())})";
            return null;
        }

        var own = reach.Prefixes[reach.Model.Name];
        if (reach.Model.FindDimension(text) is { } local && new DimensionRef(local.Name, reach.Model.Name, own, local, null) is var lr && allowed(lr)) return lr;
        if (reach.Model.FindEntity(text) is { Columns.Count: 1 } entity && new DimensionRef(entity.Name, reach.Model.Name, own, null, entity) is var ler && allowed(ler)) return ler;

        var candidates = reach.Prefixes
            .Where(p => !ReferenceEquals(p.Value.Target, reach.Model) && p.Value.Target.FindDimension(text) is not null)
            .Select(p => new DimensionRef(p.Value.Target.FindDimension(text)!.Name, p.Key, p.Value, p.Value.Target.FindDimension(text), null))
            .Where(allowed)
            .ToList();
        if (candidates.Count == 1) return candidates[0];
        if (candidates.Count > 1)
        {
            error = $"dimension '{text}' is ambiguous from '{reach.Model.Name}': write one of {string.Join(", ", candidates.Select(c => $"{c.Prefix}.{c.Dimension!.Name}"))}";
            return null;
        }
        var known = reach.Model.Dimensions.Select(d => new DimensionRef(d.Name, reach.Model.Name, own, d, null))
            .Concat(reach.Prefixes.Where(p => !ReferenceEquals(p.Value.Target, reach.Model)).SelectMany(p => p.Value.Target.Dimensions.Select(d => new DimensionRef($"{p.Key}.{d.Name}", p.Key, p.Value, d, null))))
            .Where(allowed).Select(r => r.Name)
            .ToList();
        error = $"no dimension '{text}' can be reached from model '{reach.Model.Name}' ({Suggest.Hint(text, known)})";
        return null;
    }

    /// <summary>The dimensions a prefix offers, as references (for filtering by what a caller may see).</summary>
    private static IEnumerable<DimensionRef> DimensionsOf(string prefix, JoinPath path) =>
        path.Target.Dimensions.Select(d => new DimensionRef(path.Hops.Count == 0 ? d.Name : $"{prefix}.{d.Name}", prefix, path, d, null))
            .Concat(path.Target.Entities.Where(e => e.Columns.Count == 1).Select(e => new DimensionRef(path.Hops.Count == 0 ? e.Name : $"{prefix}.{e.Name}", prefix, path, null, e)));

    /// <summary>The dimension names a metric can be grouped and filtered by (the same meaning for every measure it reads).</summary>
    public IReadOnlyList<string> GroupableBy(MetricDefinition metric) => _groupable.GetOrAdd(metric.Name, _ =>
    {
        var reaches = MeasuresOf(metric.Name).Select(ModelOf).Distinct().Select(ReachOf).ToList();
        if (reaches.Count == 0) return [];
        var first = reaches[0];
        var names = first.Model.Dimensions.Select(d => d.Name)
            .Concat(first.Model.Entities.Where(e => e.Columns.Count == 1).Select(e => e.Name))
            .Concat(first.Prefixes.Where(p => !ReferenceEquals(p.Value.Target, first.Model))
                .SelectMany(p => p.Value.Target.Dimensions.Select(d => $"{p.Key}.{d.Name}")))
            .Distinct(StringComparer.OrdinalIgnoreCase);
        var result = new List<string>();
        foreach (var name in names)
        {
            var identity = Resolve(first, name, out string? _)?.Identity;
            if (identity is not null && reaches.Skip(1).All(r => Resolve(r, name, out string? _)?.Identity == identity)) result.Add(name);
        }
        return result;
    });
}
