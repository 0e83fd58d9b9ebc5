using Ladle.Core.Queries;

namespace Ladle.Core.Semantic.Planning;

/// <summary>How a cumulative node accumulates its per-bucket values.</summary>
/// <param name="Window">A trailing window; null with <paramref name="GrainToDate"/>, or both null for a running total.</param>
/// <param name="GrainToDate">Restart at each period of this grain.</param>
public sealed record Accumulation(Period? Window, TimeGrain? GrainToDate)
{
    public override string ToString() => Window is { } w ? $"window {w}" : GrainToDate is { } g ? $"{g.Name()} to date" : "running total";
}

/// <summary>
/// One aggregation of one model's rows: its measures grouped by the query's dimensions and time bucket, computed
/// before anything is joined to another node, so one model's rows are never multiplied by another's.
/// </summary>
public sealed class PlanNode
{
    internal PlanNode(string id, SemanticModel model, ModelReach reach, Period? offset, Accumulation? accumulation)
    {
        Id = id;
        Model = model;
        Reach = reach;
        Offset = offset;
        Accumulation = accumulation;
    }

    /// <summary>The CTE name in the compiled SQL (n0, n1, …).</summary>
    public string Id { get; }

    public SemanticModel Model { get; }
    public ModelReach Reach { get; }

    /// <summary>The measures it aggregates, each once.</summary>
    public List<MeasureDefinition> Measures { get; } = [];

    /// <summary>The query's dimensions as this model reaches them, in output order.</summary>
    public List<DimensionRef> Dimensions { get; } = [];

    /// <summary>The time dimension it buckets and ranges by, when the query has a grain or a range.</summary>
    public DimensionRef? Time { get; internal set; }

    /// <summary>Conditions on dimensions, applied to rows before aggregating.</summary>
    public List<(DimensionRef Dimension, Filter Filter)> Filters { get; } = [];

    /// <summary>Values of this node stand for the bucket this period later (same metric one month earlier).</summary>
    public Period? Offset { get; }

    /// <summary>Set for cumulative metrics.</summary>
    public Accumulation? Accumulation { get; }

    /// <summary>The wall-clock range of rows it reads (the query's, shifted by the offset, widened for windows).</summary>
    public Queries.DateRange? ReadRange { get; internal set; }

    /// <summary>The range of buckets it answers for (cumulative nodes read more than they show).</summary>
    public Queries.DateRange? ShowRange { get; internal set; }

    /// <summary>Offset nodes only supply values; the rows of the answer come from the other nodes.</summary>
    public bool ShapesFrame => Offset is null;

    /// <summary>Every dataset the node reads: its model's and those of the models it joins.</summary>
    public IEnumerable<string> Datasets =>
        new[] { Model.Dataset.Name }
            .Concat(Dimensions.Concat(Filters.Select(f => f.Dimension)).Append(Time).OfType<DimensionRef>()
                .SelectMany(d => d.Path.Hops.Select(h => h.To.Dataset.Name)))
            .Distinct(StringComparer.OrdinalIgnoreCase);

    public override string ToString() =>
        $"{Id}: {Model.Name} [{string.Join(", ", Measures.Select(m => m.Name))}]" + (Offset is { } o ? $" offset {o}" : "") + (Accumulation is { } a ? $" {a}" : "");
}
