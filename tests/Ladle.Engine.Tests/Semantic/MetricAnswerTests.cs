using Ladle.Core.Semantic.Queries;

namespace Ladle.Engine.Tests.Semantic;

/// <summary>
/// Every kind of metric on demo-like data against an independent answer: SQL written by hand, run directly in
/// DuckDB over the same published datasets. Each runs both from the rows and, where one matches, from a rollup.
/// </summary>
public sealed class MetricAnswerTests(SemanticFixture fixture) : IClassFixture<SemanticFixture>
{
    private LadleEngine Engine => fixture.Engine;

    private async Task AssertSame(MetricQuery query, string sql, bool useRollups)
    {
        Engine.Semantic.Cache.Clear();
        var expected = await Answers.SqlAsync(Engine, sql);
        var actual = await Answers.MetricAsync(Engine, query, useRollups);
        Assert.NotEmpty(expected);
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public Task Simple_metric_by_dimension_and_month_equals_hand_written_sql(bool rollups) => AssertSame(
        new MetricQuery { Metrics = ["revenue"], Dimensions = ["region"], Granularity = "month" },
        """
        SELECT region, CAST(date_trunc('month', ordered_at) AS DATE), sum(amount)
        FROM orders WHERE status = 'completed' GROUP BY 1, 2 ORDER BY 2, 1
        """, rollups);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public Task Simple_metrics_with_filters_and_a_range_equal_hand_written_sql(bool rollups) => AssertSame(
        new MetricQuery
        {
            Metrics = ["revenue", "orders", "avg_amount", "max_amount"], Dimensions = ["channel"], Granularity = "quarter",
            Range = "2025-04-01..2026-04-01", Filters = ["region:in:europe,asia_pacific", "status:ne:cancelled"],
        },
        """
        SELECT channel, CAST(date_trunc('quarter', ordered_at) AS DATE), sum(amount) FILTER (WHERE status = 'completed'),
               count(*), avg(amount), max(amount)
        FROM orders
        WHERE region IN ('europe', 'asia_pacific') AND status <> 'cancelled'
          AND ordered_at >= TIMESTAMP '2025-04-01' AND ordered_at < TIMESTAMP '2026-04-01'
        GROUP BY 1, 2 ORDER BY 2, 1
        """, rollups);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public Task Ratio_divides_the_aggregates_not_the_rows(bool rollups) => AssertSame(
        new MetricQuery { Metrics = ["aov"], Dimensions = ["channel"] },
        """
        SELECT channel, sum(amount) FILTER (WHERE status = 'completed') / count(*) FILTER (WHERE status = 'completed')
        FROM orders GROUP BY 1 ORDER BY 1
        """, rollups);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public Task Derived_metric_with_a_one_month_offset_equals_a_self_join(bool rollups) => AssertSame(
        new MetricQuery { Metrics = ["revenue_growth"], Granularity = "month", Range = "2025-06-01..2026-01-01" },
        """
        WITH m AS (SELECT CAST(date_trunc('month', ordered_at) AS DATE) AS month, sum(amount) AS revenue
                   FROM orders WHERE status = 'completed' GROUP BY 1)
        SELECT cur.month, (cur.revenue - prev.revenue) / prev.revenue
        FROM m AS cur LEFT JOIN m AS prev ON prev.month = CAST(cur.month - INTERVAL 1 MONTH AS DATE)
        WHERE cur.month >= DATE '2025-06-01' AND cur.month < DATE '2026-01-01'
        ORDER BY 1
        """, rollups);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public Task Trailing_seven_day_window_sums_the_rows_of_the_seven_days_before(bool rollups) => AssertSame(
        new MetricQuery { Metrics = ["revenue_7d"], Dimensions = ["region"], Granularity = "day", Range = "2026-03-01..2026-04-01" },
        """
        WITH days AS (SELECT CAST(unnest(generate_series(DATE '2026-03-01', DATE '2026-03-31', INTERVAL 1 DAY)) AS DATE) AS day),
             regions AS (SELECT DISTINCT region FROM orders WHERE status = 'completed'
                         AND ordered_at >= TIMESTAMP '2026-02-23' AND ordered_at < TIMESTAMP '2026-04-01')
        SELECT r.region, d.day,
               (SELECT coalesce(sum(amount), 0) FROM orders o WHERE o.status = 'completed' AND o.region = r.region
                  AND o.ordered_at >= d.day - INTERVAL 6 DAY AND o.ordered_at < d.day + INTERVAL 1 DAY)
        FROM days d CROSS JOIN regions r ORDER BY 2, 1
        """, rollups);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public Task Month_to_date_restarts_every_month(bool rollups) => AssertSame(
        new MetricQuery { Metrics = ["revenue_mtd"], Granularity = "day", Range = "2026-02-20..2026-03-10" },
        """
        WITH days AS (SELECT CAST(unnest(generate_series(DATE '2026-02-20', DATE '2026-03-09', INTERVAL 1 DAY)) AS DATE) AS day)
        SELECT d.day,
               (SELECT coalesce(sum(amount), 0) FROM orders o WHERE o.status = 'completed'
                  AND o.ordered_at >= date_trunc('month', d.day) AND o.ordered_at < d.day + INTERVAL 1 DAY)
        FROM days d ORDER BY 1
        """, rollups);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public Task Running_total_adds_everything_before(bool rollups) => AssertSame(
        new MetricQuery { Metrics = ["revenue_running"], Granularity = "week", Range = "2026-03-02..2026-04-06" },
        """
        WITH weeks AS (SELECT CAST(unnest(generate_series(DATE '2026-03-02', DATE '2026-03-30', INTERVAL 7 DAY)) AS DATE) AS week)
        SELECT w.week, (SELECT sum(amount) FROM orders o WHERE o.status = 'completed' AND o.ordered_at < w.week + INTERVAL 7 DAY)
        FROM weeks w ORDER BY 1
        """, rollups);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public Task Distinct_count_median_and_percentile_by_an_expression_dimension(bool rollups) => AssertSame(
        new MetricQuery { Metrics = ["buyers", "median_amount", "p90_amount"], Dimensions = ["big_order"] },
        """
        SELECT amount >= 100, count(DISTINCT customer_id), median(amount), quantile_cont(amount, 0.9)
        FROM orders GROUP BY 1 ORDER BY 1
        """, rollups);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public Task Ratio_across_two_models_with_every_month_filled(bool rollups) => AssertSame(
        new MetricQuery { Metrics = ["return_rate"], Dimensions = ["orders.region"], Granularity = "month", Fill = "zero" },
        """
        WITH r AS (SELECT o.region, CAST(date_trunc('month', x.returned_at) AS DATE) AS m, count(*) AS n
                   FROM returns x LEFT JOIN orders o ON o.order_id = x.order_id GROUP BY 1, 2),
             o AS (SELECT region, CAST(date_trunc('month', ordered_at) AS DATE) AS m, count(*) AS n FROM orders GROUP BY 1, 2),
             bounds AS (SELECT min(m) AS lo, max(m) AS hi FROM (SELECT m FROM r UNION ALL SELECT m FROM o)),
             months AS (SELECT CAST(unnest(generate_series(lo, hi, INTERVAL 1 MONTH)) AS DATE) AS m FROM bounds),
             regions AS (SELECT region FROM r UNION SELECT region FROM o)
        SELECT g.region, months.m, coalesce(r.n, 0) / nullif(coalesce(o.n, 0), 0)
        FROM regions g CROSS JOIN months
        LEFT JOIN r ON r.region = g.region AND r.m = months.m
        LEFT JOIN o ON o.region = g.region AND o.m = months.m
        ORDER BY 2, 1
        """, rollups);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public Task Days_cut_in_the_query_zone_equal_the_same_cut_by_hand(bool rollups) => AssertSame(
        new MetricQuery { Metrics = ["revenue", "orders"], Granularity = "day", Zone = "America/New_York", Range = "2026-03-06..2026-03-12" },
        """
        SELECT CAST(date_trunc('day', timezone('America/New_York', ordered_at AT TIME ZONE 'UTC')) AS DATE) AS d,
               sum(amount) FILTER (WHERE status = 'completed'), count(*)
        FROM orders
        WHERE ordered_at >= TIMESTAMP '2026-03-06 05:00:00' AND ordered_at < TIMESTAMP '2026-03-12 04:00:00'
        GROUP BY 1 ORDER BY 1
        """, rollups);

    [Fact]
    public async Task Metric_filter_applies_after_aggregation_and_order_and_limit_pick_the_top()
    {
        Engine.Semantic.Cache.Clear();
        var expected = await Answers.SqlAsync(Engine, """
            SELECT region, sum(amount) AS revenue FROM orders WHERE status = 'completed'
            GROUP BY 1 HAVING sum(amount) > 1000 ORDER BY revenue DESC, region LIMIT 2
            """);
        var actual = await Answers.MetricAsync(Engine, new MetricQuery
        {
            Metrics = ["revenue"], Dimensions = ["region"], Filters = ["revenue:gt:1000"], Order = ["revenue:desc"], Limit = "2",
        });
        Assert.Equal(expected, actual);
    }
}
