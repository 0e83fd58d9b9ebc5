using Ladle.Core.Errors;
using Ladle.Core.Plans;
using Ladle.Core.Policy;
using Ladle.Core.Semantic.Planning;
using Ladle.Engine.Results;

namespace Ladle.Engine.Serving;

public sealed partial class ReadPipeline
{
    /// <summary>
    /// A statement over a metric relation, planned as the metric query it asks: the same plan REST builds, so the
    /// same metric scope, row filters, masks, cache, rollups, trust and audit answer it. The planner's refusals name
    /// the statement (SQLSTATE 42601), not a REST parameter.
    /// </summary>
    private MetricsPlan PlanSqlMetrics(Principal principal, SqlPlan sql, SqlMetricQuery metrics, DataAction action)
    {
        var scope = MetricScopeOf(principal);
        try
        {
            var query = metrics.Query;
            var planned = _semantic.Plan(query, null, scope);
            if (metrics.Order.Count > 0)
            {
                // ORDER BY names the answer's columns, whose names the planner gives (customers.segment, metric_time).
                query = query with { Order = metrics.Order.Select(o => planned.Columns[o.Source].Name + (o.Descending ? ":desc" : ":asc")).ToList() };
                planned = _semantic.Plan(query, null, scope);
            }
            return new MetricsPlan(query, planned, action) { Projection = metrics.Columns, Sql = sql.Sql };
        }
        catch (InvalidRequestException e) when (e.Parameter != "sql")
        {
            throw new InvalidRequestException($"{e.Message} (in the query of {SqlGateway.SqlMetricTranslator.Schema}.{metrics.Relation})", "sql");
        }
    }

    /// <summary>The columns a SQL metric query answers, as its select list names them.</summary>
    private static List<ResultColumn> SqlMetricColumns(MetricsPlan plan) =>
        plan.Projection!.Select(p => new ResultColumn(p.Name, plan.Planned.Columns[p.Source].Type)).ToList();

    /// <summary>A metric answer as the SQL statement's select list shows it (its order, its names).</summary>
    private static ResultStream Projected(MetricsPlan plan, ResultStream result) =>
        plan.Projection is { } columns ? new ProjectedResultStream(result, columns.Select(c => (c.Name, c.Source)).ToList()) : result;
}
