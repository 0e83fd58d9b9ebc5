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

    [Fact]
    public async Task Row_filters_of_a_policy_keep_rollups_out()
    {
        var plan = Engine.Semantic.Plan(new MetricQuery { Metrics = ["revenue"], Dimensions = ["region"] });
        var filters = new Dictionary<string, IReadOnlyList<Core.Queries.Filter>>
        {
            ["orders"] = [new Core.Queries.Filter("channel", Core.Queries.FilterOperator.Eq, ["web"])],
        };
        await using var execution = Engine.Semantic.Open(plan, filters);
        Assert.Equal("query", execution.AnsweredBy);
        Assert.Contains(execution.Rollups, v => v.Reason.Contains("row filters apply", StringComparison.Ordinal));
        await using var rows = await execution.ReadAsync(CancellationToken.None);
        var filtered = Answers.Normalize(await TestProject.ReadAllAsync(rows));
        var expected = await Answers.SqlAsync(Engine, "SELECT region, sum(amount) FROM orders WHERE status = 'completed' AND channel = 'web' GROUP BY 1 ORDER BY 1");
        Assert.Equal(expected, filtered);
    }
}
