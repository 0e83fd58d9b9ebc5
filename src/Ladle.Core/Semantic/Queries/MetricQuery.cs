namespace Ladle.Core.Semantic.Queries;

/// <summary>
/// A metric query as every interface receives it (JSON body, query parameters, CLI options): raw text, checked
/// and typed in one place by <see cref="Planning.MetricPlanner"/> against the semantic layer.
/// </summary>
public sealed record MetricQuery
{
    /// <summary>Metric names (a measure's name works as a simple metric of it).</summary>
    public IReadOnlyList<string> Metrics { get; init; } = [];

    /// <summary>Dimensions to group by: region, customers.region, or an entity such as customer.</summary>
    public IReadOnlyList<string> Dimensions { get; init; } = [];

    /// <summary>The time dimension to bucket and filter by; each metric's default time dimension when null.</summary>
    public string? TimeDimension { get; init; }

    /// <summary>hour, day, week, month, quarter or year; no time bucket when null.</summary>
    public string? Granularity { get; init; }

    /// <summary>last 30 days, this month, 2026-01-01..2026-04-01, …; all time when null.</summary>
    public string? Range { get; init; }

    /// <summary>The IANA zone buckets and ranges are cut in; the time dimension's own zone when null.</summary>
    public string? Zone { get; init; }

    /// <summary>column:op:value on dimensions (applied before aggregation) or on metrics (after).</summary>
    public IReadOnlyList<string> Filters { get; init; } = [];

    /// <summary>name[:asc|desc] on output columns; time then dimensions when empty.</summary>
    public IReadOnlyList<string> Order { get; init; } = [];

    public string? Limit { get; init; }

    /// <summary>none (default), zero or null: whether periods without data appear, and as what.</summary>
    public string? Fill { get; init; }
}

/// <summary>What a period without data becomes when a query asks for every period.</summary>
public enum FillMode : byte
{
    /// <summary>Only periods with data appear.</summary>
    None,

    /// <summary>Every period appears; missing sums and counts are 0.</summary>
    Zero,

    /// <summary>Every period appears; missing values are null.</summary>
    Null,
}
