using Ladle.Core.Errors;
using Ladle.Core.Model;

namespace Ladle.Core.Semantic;

/// <summary>How a measure aggregates its rows.</summary>
public enum Aggregation : byte
{
    Sum,
    Count,
    CountDistinct,
    Avg,
    Min,
    Max,
    Median,
    Percentile,
}

/// <summary>An aggregation over a model's rows (sum of amount where status = 'completed'), the unit metrics are made of.</summary>
public sealed record MeasureDefinition
{
    /// <summary>Unique across the project, so metrics name measures without their model.</summary>
    public required string Name { get; init; }

    /// <summary>The model whose rows it aggregates.</summary>
    public required string Model { get; init; }

    public required Aggregation Agg { get; init; }

    /// <summary>The column aggregated; null for count(*) or when <see cref="Sql"/> is set.</summary>
    public string? Column { get; init; }

    /// <summary>An SQL expression over the dataset's columns to aggregate instead of a column.</summary>
    public string? Sql { get; init; }

    /// <summary>An SQL condition over the dataset's columns: only rows where it holds are aggregated.</summary>
    public string? Filter { get; init; }

    /// <summary>For percentile: the fraction, between 0 and 1 exclusive.</summary>
    public double Percentile { get; init; } = 0.5;

    /// <summary>The type of the aggregated value.</summary>
    public required LadleType Type { get; init; }

    public string? Description { get; init; }

    public required SourceLocation Location { get; init; }

    /// <summary>True when partial results add up (sum, count): running totals and windows are sums of buckets.</summary>
    public bool IsAdditive => Agg is Aggregation.Sum or Aggregation.Count;
}
