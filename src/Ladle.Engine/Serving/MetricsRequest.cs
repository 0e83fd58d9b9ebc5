using Ladle.Core.Policy;
using Ladle.Core.Semantic.Queries;

namespace Ladle.Engine.Serving;

/// <summary>A metric query as an interface received it, with who asks and in which format the answer goes out.</summary>
public sealed record MetricsRequest
{
    public required Principal Principal { get; init; }

    /// <summary>Which adapter received it (rest, cli, …), for audit.</summary>
    public required string Interface { get; init; }

    public required MetricQuery Query { get; init; }
    public string? Format { get; init; }

    /// <summary>The entity tag of an answer the client already holds; when it is still the answer, nothing is read.</summary>
    public string? IfNoneMatch { get; init; }
}

/// <summary>One dataset a metric answer was computed from: its version and status.</summary>
public sealed record DatasetRead(string Dataset, string Materialization, long? Version, DateTimeOffset? PublishedAt, Trust.DataHealth Health);

/// <summary>
/// What a metric answer states before its first row: the worst status of the datasets it read (and why), each
/// dataset's version, the entity tag, and what answered (cache, a rollup, or a query).
/// </summary>
public sealed record MetricServeInfo(
    Trust.DataHealth Health, IReadOnlyList<DatasetRead> Datasets, string ContentType, string FileExtension, string? ETag, string AnsweredBy)
{
    /// <summary>True when the client's copy is still the answer: respond 304 and write no body.</summary>
    public bool NotModified { get; init; }

    /// <summary>dataset=version pairs, for a header (live datasets say live).</summary>
    public string Versions => string.Join(",", Datasets.Select(d => $"{d.Dataset}={(d.Version?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "live")}"));
}

/// <summary>How a metric query would be answered, without reading it.</summary>
public sealed record MetricExplanation(
    IReadOnlyList<string> Metrics, string Engine, string Dialect, string Sql, IReadOnlyList<object> Parameters,
    string AnsweredBy, bool Cacheable, bool Cached, string? NotCachedReason, string? ETag,
    IReadOnlyList<Core.Semantic.Planning.RollupVerdict> Rollups, IReadOnlyList<DatasetRead> Datasets,
    IReadOnlyList<string> Nodes, string Key, double PlanMilliseconds, double CompileMilliseconds);
