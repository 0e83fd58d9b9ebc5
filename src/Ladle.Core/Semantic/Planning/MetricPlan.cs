using Ladle.Core.Model;
using Ladle.Core.Queries;
using Ladle.Core.Semantic.Queries;

namespace Ladle.Core.Semantic.Planning;

/// <summary>What an output column holds.</summary>
public enum OutputRole : byte
{
    Dimension,
    Time,
    Metric,
}

/// <summary>A column of a metric query's answer.</summary>
public sealed record OutputColumn(string Name, LadleType Type, OutputRole Role);

/// <summary>
/// A metric query checked and resolved against the semantic layer: its nodes, the metric values over them, the
/// datasets it reads and a normalized text that identifies it (for caching), before any dialect or data version
/// is involved.
/// </summary>
public sealed class MetricPlan
{
    public required IReadOnlyList<MetricDefinition> Metrics { get; init; }
    public required IReadOnlyList<MetricValue> Values { get; init; }
    public required IReadOnlyList<PlanNode> Nodes { get; init; }

    /// <summary>Output columns: dimensions, then the time bucket, then one per metric.</summary>
    public required IReadOnlyList<OutputColumn> Columns { get; init; }

    /// <summary>Every dataset the query reads, sorted.</summary>
    public required IReadOnlyList<string> Datasets { get; init; }

    public TimeGrain? Grain { get; init; }
    public required TimeZoneInfo Zone { get; init; }

    /// <summary>The resolved range in the zone's wall-clock time, or null for all time.</summary>
    public DateRange? Range { get; init; }

    public FillMode Fill { get; init; }

    /// <summary>Conditions on metric values, applied after aggregation.</summary>
    public required IReadOnlyList<(int Metric, Filter Filter)> MetricFilters { get; init; }

    /// <summary>The order of the answer; ties are broken by every dimension so answers are stable.</summary>
    public required IReadOnlyList<SortKey> Order { get; init; }

    public long? Limit { get; init; }

    /// <summary>The query in a normal form: two requests with the same text ask the same thing.</summary>
    public string Key { get; internal set; } = "";

    /// <summary>The name of the time bucket column (metric_time unless the query named a time dimension).</summary>
    public string? TimeColumn => Columns.FirstOrDefault(c => c.Role == OutputRole.Time)?.Name;

    /// <summary>The number of dimension columns.</summary>
    public int DimensionCount => Columns.Count(c => c.Role == OutputRole.Dimension);

    /// <summary>The type of the time bucket: dates for days and coarser, UTC timestamps for hours.</summary>
    public LadleType BucketType => Grain == TimeGrain.Hour ? LadleType.Timestamp : LadleType.Date;
}
