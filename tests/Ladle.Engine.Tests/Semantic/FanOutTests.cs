using Ladle.Core.Errors;
using Ladle.Core.Semantic.Queries;

namespace Ladle.Engine.Tests.Semantic;

/// <summary>
/// The fan-out trap: orders have one to four lines each, and both join to customers. Joining all three before
/// summing counts each order's amount once per line; every sum here must equal the hand-written answer instead.
/// </summary>
public sealed class FanOutTests(SemanticFixture fixture) : IClassFixture<SemanticFixture>
{
    private LadleEngine Engine => fixture.Engine;

    [Fact]
    public async Task Order_sums_and_line_sums_by_customer_region_equal_the_hand_written_answer()
    {
        Engine.Semantic.Cache.Clear();
        var expected = await Answers.SqlAsync(Engine, """
            WITH revenue AS (SELECT c.region, sum(o.amount) AS revenue, count(*) AS orders
                             FROM orders o LEFT JOIN customers c ON c.customer_id = o.customer_id
                             WHERE o.status = 'completed' GROUP BY 1),
                 units AS (SELECT c.region, sum(l.quantity) AS units, count(*) AS lines
                           FROM order_lines l JOIN orders o ON o.order_id = l.order_id
                           LEFT JOIN customers c ON c.customer_id = o.customer_id GROUP BY 1)
            SELECT r.region, r.revenue, u.units, u.lines
            FROM revenue r FULL JOIN units u ON u.region = r.region ORDER BY 1
            """);
        var actual = await Answers.MetricAsync(Engine, new MetricQuery
        {
            Metrics = ["revenue", "units", "line_count"], Dimensions = ["customers.region"],
        });
        Assert.Equal(expected, actual);

        // The trap is real in this data: the naive three-way join inflates revenue.
        var naive = await Answers.SqlAsync(Engine, """
            SELECT c.region, sum(o.amount) FROM orders o JOIN order_lines l ON l.order_id = o.order_id
            LEFT JOIN customers c ON c.customer_id = o.customer_id WHERE o.status = 'completed' GROUP BY 1 ORDER BY 1
            """);
        Assert.NotEqual(expected.Select(r => string.Join(" | ", r.Split(" | ").Take(2))), naive);
    }

    [Fact]
    public async Task Order_count_by_a_line_dimension_is_refused_because_it_would_fan_out()
    {
        // From orders, the lines are one-to-many: not a join path, so order measures cannot be grouped by a line's sku.
        var e = Assert.Throws<InvalidRequestException>(() => Engine.Semantic.Plan(new MetricQuery { Metrics = ["orders"], Dimensions = ["order_lines.sku"] }));
        Assert.Contains("'order_lines' is not a model reachable from 'orders'", e.Message, StringComparison.Ordinal);
        Assert.Equal("dimensions", e.Parameter);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Duplicate_keys_in_a_joined_dataset_never_multiply_a_sum()
    {
        // Lines reach customers through orders; each order row is joined once even if its key were repeated,
        // because joined models are deduplicated on their key first.
        Engine.Semantic.Cache.Clear();
        var total = await Answers.SqlAsync(Engine, "SELECT sum(quantity) FROM order_lines");
        var byRegion = await Answers.MetricAsync(Engine, new MetricQuery { Metrics = ["units"], Dimensions = ["customers.region"] });
        var sum = byRegion.Sum(r => decimal.Parse(r.Split(" | ")[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(decimal.Parse(total[0], System.Globalization.CultureInfo.InvariantCulture), sum);
    }
}
