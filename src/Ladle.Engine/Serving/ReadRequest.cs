using Ladle.Core.Policy;
using Ladle.Core.Semantic.Queries;

namespace Ladle.Engine.Serving;

/// <summary>
/// A read as an interface received it (query parameters, CLI options, later a wire-protocol statement or a sync's
/// configuration): raw text with who asks, made into a plan and checked in one place by <see cref="ReadPipeline"/>.
/// </summary>
public abstract record ReadRequest
{
    public required Principal Principal { get; init; }

    /// <summary>Which adapter received it (rest, cli, …), for audit and metrics.</summary>
    public required string Interface { get; init; }

    /// <summary>The entity tag of an answer the client already holds; when it is still the answer, nothing is read.</summary>
    public string? IfNoneMatch { get; init; }
}

/// <summary>A request for dataset rows.</summary>
public sealed record RowsRequest : ReadRequest
{
    public required string Dataset { get; init; }
    public string? Columns { get; init; }
    public IReadOnlyList<string> Filters { get; init; } = [];
    public string? Order { get; init; }
    public string? Limit { get; init; }
    public string? Cursor { get; init; }

    /// <summary>A specific version to read: a retained one, or a quarantined one its owner inspects.</summary>
    public string? Version { get; init; }
}

/// <summary>A metric query.</summary>
public sealed record MetricsRequest : ReadRequest
{
    public required MetricQuery Query { get; init; }
}

/// <summary>SQL over the store's datasets from the project's owner (the CLI's local principal only).</summary>
public sealed record TrustedSqlRequest : ReadRequest
{
    public required string Sql { get; init; }
}

/// <summary>One dataset an answer was read from: its version and status.</summary>
public sealed record DatasetRead(string Dataset, string Materialization, long? Version, DateTimeOffset? PublishedAt, Trust.DataHealth Health);

/// <summary>
/// What an answer states before its first byte, whatever the plan: the worst status of the datasets it read (and
/// why), each dataset's version, the entity tag, and what answered (cache, a rollup, or a query). HTTP sinks set
/// these as headers; the console prints them after the rows.
/// </summary>
public sealed record ReadAnswer(Core.Plans.QueryPlan Plan, Trust.DataHealth Health, IReadOnlyList<DatasetRead> Datasets)
{
    /// <summary>The name of the answer: the dataset, or "metrics", "query" (file names, sheet names, the JSON envelope).</summary>
    public required string Name { get; init; }

    public string? ETag { get; init; }
    public string AnsweredBy { get; init; } = "query";

    /// <summary>True when the client's copy is still the answer: nothing is written.</summary>
    public bool NotModified { get; init; }

    /// <summary>False when the plan read datasets the caller may not see (not named here): the answer is the caller's alone, never shared by a cache.</summary>
    public bool Shared { get; init; } = true;

    public Trust.DataStatus Status => Health.Status;

    /// <summary>dataset=version pairs (live datasets say live), for a header and the audit.</summary>
    public string Versions => VersionsOf(Datasets);

    internal static string VersionsOf(IReadOnlyList<DatasetRead> datasets)
    {
        if (datasets.Count == 0) return "";
        if (datasets.Count == 1) return Pair(datasets[0]);
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < datasets.Count; i++)
        {
            if (i > 0) text.Append(',');
            text.Append(Pair(datasets[i]));
        }
        return text.ToString();
    }

    private static string Pair(DatasetRead d) =>
        d.Dataset + "=" + (d.Version?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "live");
}

/// <summary>How a metric query would be answered, without reading it.</summary>
public sealed record MetricExplanation(
    IReadOnlyList<string> Metrics, string Engine, string Dialect, string Sql, IReadOnlyList<object> Parameters,
    string AnsweredBy, bool Cacheable, bool Cached, string? NotCachedReason, string? ETag,
    IReadOnlyList<Core.Semantic.Planning.RollupVerdict> Rollups, IReadOnlyList<DatasetRead> Datasets,
    IReadOnlyList<string> Nodes, string Key, double PlanMilliseconds, double CompileMilliseconds);
