using Ladle.Core.Errors;

namespace Ladle.Core.Semantic;

/// <summary>The kinds of metric.</summary>
public enum MetricKind : byte
{
    /// <summary>One measure.</summary>
    Simple,

    /// <summary>A numerator over a denominator, each aggregated before dividing.</summary>
    Ratio,

    /// <summary>An arithmetic expression of other metrics, optionally offset in time.</summary>
    Derived,

    /// <summary>A running total, trailing window or period-to-date of an additive measure.</summary>
    Cumulative,
}

/// <summary>A metric another metric is made of, optionally taken a period earlier.</summary>
public sealed record MetricInput(string Metric, Period? Offset, string Alias, SourceLocation Location);

/// <summary>One definition of a business number, served the same way everywhere.</summary>
public sealed record MetricDefinition
{
    public required string Name { get; init; }
    public required MetricKind Kind { get; init; }
    public string? Label { get; init; }
    public string? Description { get; init; }
    public string? Owner { get; init; }

    /// <summary>Simple and cumulative: the measure.</summary>
    public string? Measure { get; init; }

    /// <summary>Ratio: metric (or measure) names of the two sides.</summary>
    public MetricInput? Numerator { get; init; }
    public MetricInput? Denominator { get; init; }

    /// <summary>Derived: the expression and the inputs its names stand for.</summary>
    public MetricExpression? Expression { get; init; }
    public IReadOnlyList<MetricInput> Inputs { get; init; } = [];

    /// <summary>Cumulative: a trailing window (null with <see cref="GrainToDate"/> or for a running total).</summary>
    public Period? Window { get; init; }

    /// <summary>Cumulative: resets at the start of each period of this grain (month-to-date).</summary>
    public TimeGrain? GrainToDate { get; init; }

    public required string File { get; init; }
    public required SourceLocation Location { get; init; }
}
