using Ladle.Core.Errors;
using Ladle.Core.Semantic;

namespace Ladle.Core.Tests.Semantic;

public sealed class SemanticLoaderTests
{
    [Fact]
    public void A_valid_model_loads_typed_with_its_defaults()
    {
        using var p = ModelProject.Create().Write("models/orders.yaml", ModelProject.Orders)
            .Write("models/customers.yaml", ModelProject.Customers.Replace("  - { name: region, type: foreign }\n", "", StringComparison.Ordinal));
        var project = ModelProject.Load(p);
        var layer = project.Semantic;
        var orders = layer.FindModel("orders")!;
        Assert.Equal("ordered_at", orders.DefaultTime);
        Assert.Equal(["order_id"], orders.FindEntity("order")!.Columns);
        Assert.Equal(["customer_id"], orders.FindEntity("customer")!.Columns);
        Assert.Equal(DimensionKind.Time, orders.FindDimension("ordered_at")!.Kind);
        Assert.Equal("Europe/Berlin", orders.FindDimension("ordered_at")!.Zone);
        Assert.Equal(TimeGrains.All, orders.FindDimension("ordered_at")!.Granularities);
        Assert.Equal(Model.LadleType.Decimal, layer.FindMeasure("revenue")!.Type);
        Assert.Equal("status = 'completed'", layer.FindMeasure("revenue")!.Filter);
        Assert.Equal(["revenue", "orders"], layer.Metrics.Select(m => m.Name));
        Assert.Contains("customers.country", layer.GroupableBy(layer.FindMetric("revenue")!));
        Assert.Contains("region", layer.GroupableBy(layer.FindMetric("revenue")!));
    }

    [Fact]
    public void A_project_without_models_has_an_empty_semantic_layer()
    {
        using var p = ModelProject.Create();
        Assert.Same(SemanticLayer.Empty, ModelProject.Load(p).Semantic);
    }

    [Fact]
    public void Every_mistake_in_models_is_reported_with_file_line_and_column()
    {
        using var p = ModelProject.Create()
            .Write("models/orders.yaml", """
                dataset: orders
                entities:
                  - { name: order, type: primery }
                  - { name: customer, type: foreign, column: customer }
                dimensions:
                  - { name: region, colour: red }
                  - { name: regoin_name, column: regoin }
                  - { name: big, type: boolean, sql: "amont > 100" }
                  - { name: ordered_at, type: time, zone: Europe/Berlinn, granularities: [day, fortnight] }
                measures:
                  - { name: revenue, agg: summ, column: amount }
                  - { name: notes, agg: sum, column: note }
                  - { name: p99, agg: percentile, column: amount, percentile: 1.5 }
                  - { name: buyers, agg: count_distinct, column: customer_id }
                metrics:
                  - { name: revenue_total, measure: revenu }
                  - { name: growth, type: derived, expr: "revenue_total * (1 +" }
                  - { name: buyers_running, type: cumulative, measure: buyers }
                """)
            .Write("models/customers.yaml", """
                dataset: customer
                entities:
                  - { name: customer, type: primary }
                """);
        var e = ModelProject.Fails(p);
        void Has(int line, int column, string message)
        {
            Assert.Contains(e.Diagnostics, d => d.Location.Line == line && d.Location.Column == column && d.Message.Contains(message, StringComparison.Ordinal) &&
                (d.Location.File == "models/orders.yaml" || d.Location.File == "models/customers.yaml"));
        }
        Has(3, 26, "unknown entity type 'primery'");
        Has(4, 46, "entity column 'customer' is not a column of dataset 'orders'");
        Has(6, 21, "unknown key 'colour'");
        Has(7, 34, "dimension 'regoin_name' reads column 'regoin', which dataset 'orders' does not have");
        Has(8, 39, "'amont' is not a column of the dataset (did you mean 'amount'?)");
        Has(9, 43, "unknown time zone 'Europe/Berlinn'");
        Has(9, 80, "unknown granularity 'fortnight'");
        Has(11, 27, "unknown aggregation 'summ'");
        Has(12, 38, "measure 'notes' takes the sum of 'note', a string column");
        Has(13, 63, "percentile '1.5' is not between 0 and 1");
        Has(16, 37, "metric 'revenue_total' uses unknown measure 'revenu'");
        Has(17, 63, "expr of metric 'growth': the expression ends too early");
        Has(18, 5, "cumulative metric 'buyers_running' needs a sum or count measure, and 'buyers' is count_distinct");
        Has(1, 10, "model over unknown dataset 'customer'");
        Assert.Contains(e.Diagnostics, d => d.Hint == "did you mean 'customers'?; datasets are declared in datasets/");
        Assert.True(e.Diagnostics.Count >= 14);
    }

    [Fact]
    public void A_model_over_a_dataset_without_columns_is_one_error_not_one_per_metric()
    {
        using var p = ModelProject.Create();
        p.Write("datasets/untyped.yaml", "name: untyped\nsql: select 1 as n\n")
            .Write("models/untyped.yaml", """
                dataset: untyped
                measures:
                  - { name: rows, agg: count }
                metrics:
                  - { name: untyped_rows, measure: rows }
                  - { name: twice, type: derived, expr: "untyped_rows * 2" }
                """);
        var d = Assert.Single(ModelProject.Fails(p).Diagnostics);
        Assert.Equal(("models/untyped.yaml", 1, 10), (d.Location.File, d.Location.Line, d.Location.Column));
        Assert.Equal("dataset 'untyped' declares no columns, so its model cannot be checked", d.Message);
    }

    [Fact]
    public void Measure_names_are_unique_across_models_and_metrics_may_not_depend_on_themselves()
    {
        using var p = ModelProject.Create()
            .Write("models/orders.yaml", ModelProject.Orders + """

                  - { name: a, type: ratio, numerator: b, denominator: orders }
                  - { name: b, type: derived, expr: a * 2 }
                """)
            .Write("models/customers.yaml", ModelProject.Customers.Replace("  - { name: region, type: foreign }\n", "", StringComparison.Ordinal)
                .Replace("customer_count", "order_count", StringComparison.Ordinal));
        var e = ModelProject.Fails(p);
        Assert.Contains(e.Diagnostics, d => d.Message.StartsWith("measure 'order_count' is already defined in model 'customers' at models/customers.yaml", StringComparison.Ordinal)
                                            || d.Message.StartsWith("measure 'order_count' is already defined in model 'orders' at models/orders.yaml", StringComparison.Ordinal));
        Assert.Contains(e.Diagnostics, d => d.Message == "metric 'a' depends on itself: a → b → a");
    }

    [Fact]
    public void Rollups_hold_only_their_own_models_dimensions_and_need_a_table_dataset()
    {
        using var p = ModelProject.Create()
            .Write("models/orders.yaml", ModelProject.Orders + """

                rollups:
                  - { name: daily, measures: [revenue, customer_count], dimensions: [region, customers.country], time: { dimension: ordered_at, granularity: day } }
                """)
            .Write("models/customers.yaml", ModelProject.Customers.Replace("  - { name: region, type: foreign }\n", "", StringComparison.Ordinal));
        var e = ModelProject.Fails(p);
        Assert.Contains(e.Diagnostics, d => d.Message == "rollup 'daily' names 'customer_count', which is not a measure of model 'orders'");
        Assert.Contains(e.Diagnostics, d => d.Message == "rollup 'daily' names 'customers.country', a dimension of another model" && d.Hint!.Contains("built when 'orders' publishes", StringComparison.Ordinal));
    }

    [Fact]
    public void A_models_file_with_only_metrics_defines_cross_model_metrics()
    {
        using var p = ModelProject.Create().Write("models/orders.yaml", ModelProject.Orders)
            .Write("models/customers.yaml", ModelProject.Customers.Replace("  - { name: region, type: foreign }\n", "", StringComparison.Ordinal))
            .Write("models/kpis.yaml", "metrics:\n  - { name: orders_per_customer, type: ratio, numerator: orders, denominator: customer_count, owner: kpi@example.com }\n");
        var layer = ModelProject.Load(p).Semantic;
        var metric = layer.FindMetric("orders_per_customer")!;
        Assert.Equal(MetricKind.Ratio, metric.Kind);
        Assert.Equal("kpi@example.com", metric.Owner);
        Assert.Equal(["order_count", "customer_count"], layer.MeasuresOf(metric.Name).Select(m => m.Name));
    }
}
