using System.Diagnostics;
using Ladle.Core.Loading;
using Ladle.Core.Semantic;
using Ladle.Core.Semantic.Planning;
using Ladle.Core.Semantic.Queries;
using Ladle.Core.Semantic.Sql;
using Ladle.Core.Sql;

namespace Ladle.Core.Tests.Semantic;

/// <summary>The demo's model, as samples/demo holds it: it compiles, and every metric compiles to SQL.</summary>
public sealed class DemoModelTests
{
    private static string DemoRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Ladle.sln"))) directory = directory.Parent;
        return Path.Combine(directory?.FullName ?? throw new InvalidOperationException("Ladle.sln not found above the test binaries"), "samples", "demo");
    }

    [Fact]
    public void The_demo_model_compiles_and_every_metric_compiles_to_one_statement()
    {
        var project = ProjectLoader.Load(DemoRoot());
        var layer = project.Semantic;
        foreach (var name in new[] { "revenue", "orders", "average_order_value", "return_rate", "active_customers", "retention",
                                     "merchant_sales", "stock_on_hand", "energy_per_household", "defect_rate", "humidity", "net_revenue" })
            Assert.NotNull(layer.FindMetric(name));
        Assert.Contains(layer.Rollups, r => r.Name == "orders_daily");

        var clock = Stopwatch.StartNew();
        foreach (var metric in layer.Metrics)
        {
            // A trailing window of days needs day buckets; everything else is asked by month.
            var grain = metric.Window is { Unit: TimeGrain.Day or TimeGrain.Week } ? "day" : "month";
            // Stock has no time: it is what merchants hold now.
            var timeless = layer.MeasuresOf(metric.Name).Select(layer.ModelOf).Any(m => m.DefaultTime is null);
            var query = timeless ? new MetricQuery { Metrics = [metric.Name] } : new MetricQuery { Metrics = [metric.Name], Granularity = grain, Range = "last 12 months" };
            var plan = MetricPlanner.Plan(layer, query, DateTimeOffset.UtcNow);
            var sql = MetricSqlWriter.Write(plan, SqlDialect.DuckDb, d => $"\"{d}\"");
            Assert.StartsWith("WITH ", sql.Text, StringComparison.Ordinal);
        }
        // Reported, not asserted: timing belongs to benchmarks.
        Console.WriteLine($"demo model: {layer.Models.Count} models, {layer.Metrics.Count} metrics, loaded in {layer.CompileTime.TotalMilliseconds:F1} ms; all metrics planned and compiled in {clock.Elapsed.TotalMilliseconds:F1} ms");
    }

    [Fact]
    public void Returns_reach_customers_the_way_the_demo_chose()
    {
        var layer = ProjectLoader.Load(DemoRoot()).Semantic;
        var returns = layer.ReachOf(layer.FindModel("returns")!);
        Assert.Equal("returns -[customer]-> customers", returns.Prefixes["customers"].ToString());
        Assert.Equal("returns -[order]-> orders -[product]-> products", returns.Prefixes["products"].ToString());
    }
}
