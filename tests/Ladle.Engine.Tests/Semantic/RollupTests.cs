using Ladle.Core.Semantic.Queries;

namespace Ladle.Engine.Tests.Semantic;

/// <summary>Rollups built at publication answer the queries they can answer exactly, with the raw query's numbers.</summary>
public sealed class RollupTests(SemanticFixture fixture) : IClassFixture<SemanticFixture>
{
    private LadleEngine Engine => fixture.Engine;

    private async Task<(string AnsweredBy, IReadOnlyList<Core.Semantic.Planning.RollupVerdict> Verdicts)> ExplainAsync(MetricQuery query)
    {
        await using var execution = Engine.Semantic.Open(Engine.Semantic.Plan(query));
        return (execution.AnsweredBy, execution.Rollups);
    }

    [Fact]
    public async Task A_matching_query_is_answered_by_the_rollup_with_the_raw_querys_numbers()
    {
        var query = new MetricQuery
        {
            Metrics = ["revenue", "orders", "aov", "avg_amount"], Dimensions = ["region"], Granularity = "month",
            Range = "2025-03-01..2026-03-01", Filters = ["channel:ne:app"],
        };
        var (answeredBy, _) = await ExplainAsync(query);
        Assert.Equal("rollup:daily", answeredBy);
        Engine.Semantic.Cache.Clear();
        var fromRollup = await Answers.MetricAsync(Engine, query);
        Engine.Semantic.Cache.Clear();
        var fromRows = await Answers.MetricAsync(Engine, query, useRollups: false);
        Assert.Equal(fromRows, fromRollup);
        Assert.Equal(48, fromRollup.Count);
    }

    [Fact]
    public async Task Distinct_counts_come_from_a_rollup_only_when_it_groups_exactly_like_the_query()
    {
        var exact = new MetricQuery { Metrics = ["buyers"], Dimensions = ["region"], Granularity = "month" };
        Assert.Equal("rollup:monthly_buyers", (await ExplainAsync(exact)).AnsweredBy);
        Engine.Semantic.Cache.Clear();
        Assert.Equal(await Answers.MetricAsync(Engine, exact, useRollups: false), await Answers.MetricAsync(Engine, exact));

        // Buyers per quarter are not the sum of buyers per month: the rollup must not answer.
        var (answeredBy, verdicts) = await ExplainAsync(new MetricQuery { Metrics = ["buyers"], Dimensions = ["region"], Granularity = "quarter" });
        Assert.Equal("query", answeredBy);
        Assert.Contains(verdicts, v => v.Rollup == "monthly_buyers" && v.Reason.Contains("cannot be combined across groups", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Explain_says_why_no_rollup_matched()
    {
        var verdicts = (await ExplainAsync(new MetricQuery { Metrics = ["revenue"], Granularity = "hour", Range = "2026-03-01..2026-03-02" })).Verdicts;
        Assert.Contains(verdicts, v => v.Rollup == "daily" && v.Reason == "its day buckets cannot be added up into hours");
        verdicts = (await ExplainAsync(new MetricQuery { Metrics = ["revenue"], Granularity = "day", Zone = "Europe/Berlin" })).Verdicts;
        Assert.Contains(verdicts, v => v.Rollup == "daily" && v.Reason == "cuts its buckets in UTC, the query in Europe/Berlin");
        verdicts = (await ExplainAsync(new MetricQuery { Metrics = ["revenue"], Dimensions = ["customers.region"] })).Verdicts;
        Assert.Contains(verdicts, v => v.Rollup == "daily" && v.Reason.Contains("holds only model 'orders''s own dimensions", StringComparison.Ordinal));
        verdicts = (await ExplainAsync(new MetricQuery { Metrics = ["median_amount"] })).Verdicts;
        Assert.Contains(verdicts, v => v.Rollup == "daily" && v.Reason == "lacks measure 'median_amount'");
        verdicts = (await ExplainAsync(new MetricQuery { Metrics = ["revenue"], Granularity = "day", Range = "2026-03-01T06:00..2026-03-02" })).Verdicts;
        Assert.Contains(verdicts, v => v.Rollup == "daily" && v.Reason.Contains("falls inside one of its day buckets", StringComparison.Ordinal));
    }

    private static Dictionary<string, IReadOnlyList<IReadOnlyList<Core.Queries.Filter>>> OrdersFilter(string column, Core.Queries.FilterOperator op, params object[] values) =>
        new() { ["orders"] = [[new Core.Queries.Filter(column, op, values)]] };

    private async Task<(string AnsweredBy, IReadOnlyList<Core.Semantic.Planning.RollupVerdict> Verdicts, List<string> Answer)> FilteredAsync(
        MetricQuery query, Dictionary<string, IReadOnlyList<IReadOnlyList<Core.Queries.Filter>>> filters, bool useRollups = true)
    {
        Engine.Semantic.Cache.Clear();
        await using var execution = Engine.Semantic.Open(Engine.Semantic.Plan(query), filters, useRollups);
        var answeredBy = execution.AnsweredBy;
        await using var rows = await execution.ReadAsync(CancellationToken.None);
        return (answeredBy, execution.Rollups, Answers.Normalize(await TestProject.ReadAllAsync(rows)));
    }

    [Fact]
    public async Task A_policy_row_filter_on_a_column_the_rollup_groups_by_is_answered_from_the_rollup_with_the_rows_numbers()
    {
        // A tenant's dashboard (row filter on channel, which the daily rollup groups by) stays on the rollup.
        var query = new MetricQuery { Metrics = ["revenue", "avg_amount"], Dimensions = ["region"], Granularity = "month" };
        var filters = OrdersFilter("channel", Core.Queries.FilterOperator.In, "web", "marketplace");
        var (answeredBy, _, fromRollup) = await FilteredAsync(query, filters);
        Assert.Equal("rollup:daily", answeredBy);
        var (_, _, fromRows) = await FilteredAsync(query, filters, useRollups: false);
        Assert.Equal(fromRows, fromRollup);

        var expected = await Answers.SqlAsync(Engine, "SELECT region, sum(amount) FROM orders WHERE status = 'completed' AND channel IN ('web', 'marketplace') GROUP BY 1 ORDER BY 1");
        var (_, _, total) = await FilteredAsync(new MetricQuery { Metrics = ["revenue"], Dimensions = ["region"] }, filters);
        Assert.Equal(expected, total);
        Assert.NotEqual(await Answers.SqlAsync(Engine, "SELECT region, sum(amount) FROM orders WHERE status = 'completed' GROUP BY 1 ORDER BY 1"), total);
    }

    [Fact]
    public async Task A_policy_row_filter_on_a_column_the_rollup_does_not_hold_keeps_rollups_out()
    {
        // customer_id is not a dimension of the rollup: its groups mix the tenant's rows with everyone else's.
        var filters = OrdersFilter("customer_id", Core.Queries.FilterOperator.Le, 50L);
        var (answeredBy, verdicts, filtered) = await FilteredAsync(new MetricQuery { Metrics = ["revenue"], Dimensions = ["region"] }, filters);
        Assert.Equal("query", answeredBy);
        Assert.Contains(verdicts, v => v.Rollup == "daily" && v.Reason == "a row filter on column 'customer_id' of 'orders' applies to this caller, and the rollup does not group by that column");
        var expected = await Answers.SqlAsync(Engine, "SELECT region, sum(amount) FROM orders WHERE status = 'completed' AND customer_id <= 50 GROUP BY 1 ORDER BY 1");
        Assert.Equal(expected, filtered);
    }
}
