using Ladle.Core.Policy;
using Ladle.Core.Semantic.Planning;
using Ladle.Core.Semantic.Queries;

namespace Ladle.Core.Plans;

/// <summary>A metric query planned against the semantic layer: aggregates of the datasets its models read.</summary>
public sealed class MetricsPlan(MetricQuery query, MetricPlan planned, DataAction action) : QueryPlan
{
    private IReadOnlyList<PlanRead>? _reads;
    private IReadOnlyList<PlanColumn>? _output;

    public MetricQuery Query { get; } = query;

    /// <summary>The semantic planner's output: nodes, values, datasets, zone and range.</summary>
    public MetricPlan Planned { get; } = planned;

    public DataAction Action { get; } = action;

    /// <summary>
    /// For a metric query asked in SQL: the statement's result columns (name, and the planner's answer column each
    /// shows), in select-list order; null for REST's answer as planned.
    /// </summary>
    public IReadOnlyList<SqlMetricColumn>? Projection { get; init; }

    /// <summary>The SQL statement the query was asked with, which the audit keeps; null for REST and the CLI.</summary>
    public string? Sql { get; init; }

    public override PlanKind Kind => PlanKind.Metrics;

    public override IReadOnlyList<PlanRead> Reads => _reads ??= Planned.Datasets
        .Select(d => new PlanRead(d, [], Action, ReadShape.Aggregate | ReadShape.Group | ReadShape.Filter)).ToList();

    public override IReadOnlyList<PlanColumn> OutputSchema => _output ??= Planned.Columns.Select(c => new PlanColumn(c.Name, c.Type)).ToList();

    public override string? CacheKey => Planned.Key;

    public override string AuditAction => "metrics";
    public override string AuditTarget => string.Join(",", Planned.Datasets);
    public override string AuditText => Sql ?? Describe(Query);

    /// <summary>A query as the audit keeps it, also when it could not be planned.</summary>
    public static string Describe(MetricQuery query) =>
        $"metrics={string.Join(",", query.Metrics)};by={string.Join(",", query.Dimensions)};grain={query.Granularity};range={query.Range};zone={query.Zone};filters={string.Join(";", query.Filters)}";
}
