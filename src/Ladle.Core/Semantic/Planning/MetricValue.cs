namespace Ladle.Core.Semantic.Planning;

/// <summary>How a metric's value is computed from the nodes' aggregates, after they are joined.</summary>
public abstract record MetricValue;

/// <summary>A measure as one node aggregated it.</summary>
public sealed record MeasureValue(PlanNode Node, MeasureDefinition Measure) : MetricValue;

/// <summary>Numerator over denominator, each already aggregated; division by zero gives null.</summary>
public sealed record RatioValue(MetricValue Numerator, MetricValue Denominator) : MetricValue;

/// <summary>A derived metric's expression over its inputs' values.</summary>
public sealed record DerivedValue(MetricExpression Expression, IReadOnlyDictionary<string, MetricValue> Inputs) : MetricValue;
