using Ladle.Core.Errors;
using Ladle.Core.Semantic;
using Ladle.Core.Semantic.Planning;
using Ladle.Core.Semantic.Queries;
using Ladle.Core.Semantic.Sql;
using Ladle.Core.Sql;

namespace Ladle.Core.Tests.Semantic;

public sealed class MetricPlannerTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 3, 30, 5, 0, 0, TimeSpan.Zero);
    private readonly TempProject _project;
    private readonly SemanticLayer _layer;

    public MetricPlannerTests()
    {
        _project = ModelProject.Create()
            .Write("models/orders.yaml", ModelProject.Orders + """

                  - { name: orders_7d, type: cumulative, measure: order_count, window: 7 days }
                  - name: revenue_vs_last_month
                    type: derived
                    expr: revenue / previous
                    inputs:
                      - revenue
                      - { metric: revenue, offset: 1 month, alias: previous }
                """)
            .Write("models/customers.yaml", """
                dataset: customers
                entities:
                  - { name: customer, type: primary }
                dimensions:
                  - { name: region, column: country }
                measures:
                  - { name: customer_count, agg: count }
                """)
            .Write("models/merchants.yaml", ModelProject.Merchants.Replace("  - { name: region, type: foreign }\n", "", StringComparison.Ordinal));
        _layer = ModelProject.Load(_project).Semantic;
    }

    public void Dispose() => _project.Dispose();

    private MetricPlan Plan(MetricQuery query) => MetricPlanner.Plan(_layer, query, Now);

    private InvalidRequestException Refused(MetricQuery query, string parameter)
    {
        var e = Assert.Throws<InvalidRequestException>(() => Plan(query));
        Assert.Equal(parameter, e.Parameter);
        return e;
    }

    [Fact]
    public void An_unknown_metric_is_404_with_the_closest_name()
    {
        var e = Assert.Throws<NotFoundException>(() => Plan(new MetricQuery { Metrics = ["revenu"] }));
        Assert.Equal("no metric 'revenu' (did you mean 'revenue'?)", e.Message);
    }

    [Fact]
    public void A_bare_dimension_means_the_models_own_and_otherwise_must_be_unambiguous()
    {
        var plan = Plan(new MetricQuery { Metrics = ["revenue"], Dimensions = ["region", "customers.region", "tier"] });
        Assert.Equal(["region", "customers.region", "tier", "revenue"], plan.Columns.Select(c => c.Name));
        Assert.Equal("orders", plan.Nodes[0].Dimensions[0].Path.Target.Name);
        Assert.Equal("customers", plan.Nodes[0].Dimensions[1].Path.Target.Name);
        Assert.Equal("merchants", plan.Nodes[0].Dimensions[2].Path.Target.Name);

        var e = Refused(new MetricQuery { Metrics = ["customer_count"], Dimensions = ["status"] }, "dimensions");
        Assert.Contains("no dimension 'status' can be reached from model 'customers'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_models_must_mean_the_same_thing_by_a_dimension_they_are_grouped_by()
    {
        var e = Refused(new MetricQuery { Metrics = ["revenue", "customer_count"], Dimensions = ["region"] }, "dimensions");
        Assert.Equal("'region' means orders.region for 'orders' but customers.region for 'customers'; name the one you mean (e.g. orders.region)", e.Message);
        // The entity they share means the same for both.
        var plan = Plan(new MetricQuery { Metrics = ["revenue", "customer_count"], Dimensions = ["customer"] });
        Assert.Equal(2, plan.Nodes.Count);
    }

    [Fact]
    public void Offsets_windows_and_fill_need_a_grain_they_align_with()
    {
        Refused(new MetricQuery { Metrics = ["revenue_vs_last_month"] }, "granularity");
        Assert.Contains("does not land on whole weeks", Refused(new MetricQuery { Metrics = ["revenue_vs_last_month"], Granularity = "week" }, "granularity").Message, StringComparison.Ordinal);
        Assert.Contains("not a whole number of months", Refused(new MetricQuery { Metrics = ["orders_7d"], Granularity = "month" }, "granularity").Message, StringComparison.Ordinal);
        Refused(new MetricQuery { Metrics = ["revenue"], Fill = "zero" }, "fill");
        Refused(new MetricQuery { Metrics = ["revenue"], Granularity = "fortnight" }, "granularity");
        Refused(new MetricQuery { Metrics = ["revenue"], Zone = "Mars/Olympus" }, "zone");
        Refused(new MetricQuery { Metrics = ["revenue"], Range = "the other day" }, "range");
        Refused(new MetricQuery { Metrics = ["revenue"], Filters = ["amount:gt:5"] }, "filter");
        Assert.Contains("is not a valid string", Refused(new MetricQuery { Metrics = ["revenue"], Filters = ["ordered_at:gt:yesterday"] }, "filter").Message.Replace("timestamp", "string", StringComparison.Ordinal), StringComparison.Ordinal);
        Refused(new MetricQuery { Metrics = ["revenue"], Order = ["amount:desc"] }, "order");
        Refused(new MetricQuery { Metrics = ["revenue", "revenue"] }, "metrics");
    }

    [Fact]
    public void Relative_ranges_are_whole_periods_in_the_zone_and_shift_with_offsets()
    {
        var plan = Plan(new MetricQuery { Metrics = ["revenue_vs_last_month"], Granularity = "month", Range = "last 3 months" });
        Assert.Equal(new DateRange(new DateTime(2025, 12, 1), new DateTime(2026, 3, 1)), plan.Range);
        var offset = plan.Nodes.Single(n => n.Offset is not null);
        Assert.Equal(new DateRange(new DateTime(2025, 11, 1), new DateTime(2026, 2, 1)), offset.ReadRange);
        Assert.Equal("Europe/Berlin", TimeZones.IdOf(plan.Zone));

        var window = Plan(new MetricQuery { Metrics = ["orders_7d"], Granularity = "day", Range = "this month" }).Nodes[0];
        Assert.Equal(new DateTime(2026, 2, 23), window.ReadRange!.From);
        Assert.Equal(new DateTime(2026, 3, 1), window.ShowRange!.From);
    }

    [Fact]
    public void The_key_names_everything_that_decides_the_answer()
    {
        var a = Plan(new MetricQuery { Metrics = ["revenue"], Dimensions = ["region"], Granularity = "month", Range = "last 3 months" }).Key;
        Assert.Equal(a, Plan(new MetricQuery { Metrics = ["Revenue"], Dimensions = ["REGION"], Granularity = "months", Range = "last 3 months" }).Key);
        Assert.NotEqual(a, Plan(new MetricQuery { Metrics = ["revenue"], Dimensions = ["region"], Granularity = "month", Range = "last 4 months" }).Key);
        Assert.NotEqual(a, Plan(new MetricQuery { Metrics = ["revenue"], Dimensions = ["region"], Granularity = "month", Range = "last 3 months", Zone = "UTC" }).Key);
        Assert.NotEqual(a, Plan(new MetricQuery { Metrics = ["revenue"], Dimensions = ["region"], Granularity = "month", Range = "last 3 months", Filters = ["status:eq:x"] }).Key);
    }

    [Fact]
    public void Each_model_is_aggregated_before_anything_is_joined_to_another_model()
    {
        var plan = Plan(new MetricQuery { Metrics = ["revenue", "customer_count"], Dimensions = ["customer"] });
        var sql = MetricSqlWriter.Write(plan, SqlDialect.DuckDb, d => $"ds_{d}").Text;
        // Two aggregates, each grouped on its own, then put side by side on the customer key.
        Assert.Contains("\"n0\" AS (SELECT \"b\".\"c0\" AS \"d0\", sum(\"b\".\"c2\") AS \"revenue\" FROM (SELECT", sql, StringComparison.Ordinal);
        Assert.Contains("GROUP BY 1),\n\"n1\" AS (SELECT", sql, StringComparison.Ordinal);
        Assert.Contains("LEFT JOIN \"n0\" ON \"f\".\"d0\" IS NOT DISTINCT FROM \"n0\".\"d0\"", sql, StringComparison.Ordinal);
    }

    [Fact]
    public void Values_are_bound_never_spliced()
    {
        var plan = Plan(new MetricQuery { Metrics = ["revenue"], Filters = ["status:eq:x' OR 1=1 --"], Range = "2026-01-01..2026-02-01" });
        var compiled = MetricSqlWriter.Write(plan, SqlDialect.Postgres, d => d);
        Assert.DoesNotContain("OR 1=1", compiled.Text, StringComparison.Ordinal);
        Assert.Contains("x' OR 1=1 --", compiled.Parameters);
        Assert.Contains(new DateTime(2025, 12, 31, 23, 0, 0), compiled.Parameters);
    }
}
