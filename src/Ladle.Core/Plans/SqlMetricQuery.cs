using Ladle.Core.Semantic.Queries;

namespace Ladle.Core.Plans;

/// <summary>
/// A SQL statement over a metric relation (<c>SELECT region, MEASURE(revenue) FROM metrics.orders GROUP BY 1</c>)
/// translated into the metric query REST would send, so it is planned, authorized, cached and answered by the one
/// semantic path. <see cref="Query"/> lists dimensions, then the time bucket, then metrics, as the planner answers
/// them; <see cref="Columns"/> says which of those answer columns each item of the statement's select list shows.
/// </summary>
/// <param name="Query">The metric query, without its order (that names answer columns, known once planned).</param>
/// <param name="Columns">The statement's result columns, in select-list order: the name it answers with and the planner's column it shows.</param>
/// <param name="Order">ORDER BY, as the planner's columns (index) and direction.</param>
/// <param name="Relation">The metric relation read (its model's name).</param>
public sealed record SqlMetricQuery(MetricQuery Query, IReadOnlyList<SqlMetricColumn> Columns, IReadOnlyList<SqlMetricOrder> Order, string Relation);

/// <summary>A result column of a SQL metric query: its name and the index of the planner's answer column it shows.</summary>
public sealed record SqlMetricColumn(string Name, int Source);

/// <summary>One ORDER BY key of a SQL metric query: the planner's answer column, and its direction.</summary>
public sealed record SqlMetricOrder(int Source, bool Descending);
