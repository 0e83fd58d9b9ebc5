using Ladle.Core.Errors;
using Ladle.Core.Loading;
using Ladle.Core.Model.Dashboards;
using Ladle.Core.Semantic.Queries;

namespace Ladle.Core.Tests;

/// <summary>dashboards/*.yaml: a good dashboard loads; every mistake, in the YAML or in a tile's metric query, is reported at file:line:column.</summary>
public sealed class DashboardLoaderTests
{
    private static TempProject Project(string dashboard) => new TempProject()
        .Write("ladle.yaml", TempProject.MinimalProject)
        .Write("datasets/orders.yaml", """
            name: orders
            source: files
            table: orders.csv
            columns:
              - { name: order_id, type: integer }
              - { name: region, type: string }
              - { name: amount, type: decimal }
              - { name: ordered_at, type: timestamp }
            """)
        .Write("datasets/stock.yaml", """
            name: stock
            source: files
            table: stock.csv
            columns:
              - { name: sku, type: integer }
              - { name: units, type: integer }
            """)
        .Write("models/orders.yaml", """
            dataset: orders
            default_time: ordered_at
            entities: [ { name: order, type: primary } ]
            dimensions:
              - { name: region }
              - { name: ordered_at, type: time }
            measures:
              - { name: revenue, agg: sum, column: amount }
              - { name: order_count, agg: count }
            metrics:
              - { name: revenue, measure: revenue }
              - { name: orders, measure: order_count }
            """)
        .Write("models/stock.yaml", """
            dataset: stock
            entities: [ { name: sku, type: primary } ]
            measures:
              - { name: total_units, agg: sum, column: units }
            metrics:
              - { name: units, measure: total_units }
            """)
        .Write("dashboards/sales.yaml", dashboard);

    [Fact]
    public void A_dashboard_loads_with_its_tiles_filters_and_defaults()
    {
        using var p = Project("""
            title: Sales
            description: How the shop sells.
            range: last 12 months
            zone: Europe/Berlin
            granularity: month
            filters:
              - { dimension: region, label: Region, values: [europe, asia], default: europe }
            tiles:
              - { kind: kpi, metric: revenue, title: Revenue }
              - { kind: kpi, metric: orders, compare: none }
              - { kind: line, metrics: [revenue, orders] }
              - { id: by_region, kind: bar, metric: revenue, by: region, order: ["revenue:desc"], limit: 5 }
              - { kind: table, metrics: [orders], by: [region], range: this month }
            """);
        var dashboard = Assert.Single(ProjectLoader.Load(p.Root).Dashboards);
        Assert.Equal(("sales", "Sales", "last 12 months", "Europe/Berlin"), (dashboard.Name, dashboard.Title, dashboard.Range, dashboard.Zone));
        Assert.Equal(["tile1", "tile2", "tile3", "by_region", "tile5"], dashboard.Tiles.Select(t => t.Id));
        Assert.Equal([TileKind.Kpi, TileKind.Kpi, TileKind.Line, TileKind.Bar, TileKind.Table], dashboard.Tiles.Select(t => t.Kind));
        Assert.Equal([true, false, false, false, false], dashboard.Tiles.Select(t => t.CompareToPrevious));
        Assert.Equal("month", dashboard.Tiles[2].Granularity);
        Assert.Equal(["revenue", "orders"], dashboard.Metrics);
        var filter = Assert.Single(dashboard.Filters);
        Assert.Equal(("region", "Region", "europe"), (filter.Dimension, filter.Label, filter.Default));
        Assert.Equal(5, dashboard.Tiles[3].Limit);
        Assert.Equal("dashboards/sales.yaml", dashboard.File);
    }

    [Fact]
    public void Unknown_metrics_and_dimensions_and_every_other_mistake_are_reported_at_their_line_and_column()
    {
        using var p = Project("""
            range: last forever
            granularity: fortnight
            filters:
              - { dimension: region }
            tiles:
              - { kind: kpi, metric: revenu }
              - { kind: bar, metric: revenue, by: colour }
              - { kind: line, metric: revenue }
              - { kind: pie, metric: revenue }
              - { kind: kpi, metric: units }
              - { kind: bar, metric: orders }
              - { kind: kpi, metric: orders, filters: ["region:like"] }
              - { kind: kpi, metric: orders, colour: red }
            """);
        var e = Assert.Throws<ProjectValidationException>(() => ProjectLoader.Load(p.Root));
        var text = string.Join("\n", e.Diagnostics.Select(d => d.ToString()));
        Assert.Contains("dashboards/sales.yaml:6:26: error: tile 'tile1': no metric 'revenu' (did you mean 'revenue'?", text, StringComparison.Ordinal);
        Assert.Contains("dashboards/sales.yaml:7:39: error: tile 'tile2': no dimension 'colour' can be reached from model 'orders'", text, StringComparison.Ordinal);
        Assert.Contains("'colour'", text, StringComparison.Ordinal);
        Assert.Contains("dashboards/sales.yaml:9:13: error: unknown tile kind 'pie'", text, StringComparison.Ordinal);
        // units (over stock) cannot be filtered by region: the shared filter names the tile it does not reach.
        Assert.Contains("dashboards/sales.yaml:4:18: error: the dashboard filter on 'region' does not apply to tile 'tile5'", text, StringComparison.Ordinal);
        Assert.Contains("dashboards/sales.yaml:11:5: error: a bar tile compares the values of a dimension and needs 'by'", text, StringComparison.Ordinal);
        Assert.Contains("dashboards/sales.yaml:12:43: error: tile 'tile7': filter 'region:like'", text, StringComparison.Ordinal);
        Assert.Contains("dashboards/sales.yaml:13:34: error: unknown key 'colour' in a tile", text, StringComparison.Ordinal);
        Assert.Contains("dashboards/sales.yaml:1:8: error: range 'last forever'", text, StringComparison.Ordinal);
        Assert.Contains("dashboards/sales.yaml:2:14: error: unknown granularity 'fortnight'", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_line_tile_without_a_grain_anywhere_is_refused_and_names_must_be_unique()
    {
        using var p = Project("""
            name: sales
            tiles:
              - { id: a, kind: line, metric: revenue }
              - { id: a, kind: kpi, metric: revenue }
            """);
        p.Write("dashboards/copy.yaml", "name: Sales\ntiles:\n  - { kind: kpi, metric: orders }\n");
        var e = Assert.Throws<ProjectValidationException>(() => ProjectLoader.Load(p.Root));
        var text = string.Join("\n", e.Diagnostics.Select(d => d.ToString()));
        Assert.Contains("dashboards/sales.yaml:3:5: error: a line tile draws metrics over time and needs a grain", text, StringComparison.Ordinal);
        Assert.Contains("dashboards/sales.yaml:4:5: error: tile id 'a' is used twice", text, StringComparison.Ordinal);
        Assert.Contains("dashboard 'sales' is already defined at dashboards/copy.yaml:1:1", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-05-01T00:00:00", "2026-06-01T00:00:00", "2026-04-01T00:00:00", "2026-05-01T00:00:00")]
    [InlineData("2025-06-01T00:00:00", "2026-06-01T00:00:00", "2024-06-01T00:00:00", "2025-06-01T00:00:00")]
    [InlineData("2026-03-31T00:00:00", "2026-04-30T00:00:00", "2026-03-01T00:00:00", "2026-03-31T00:00:00")]
    [InlineData("2026-06-15T00:00:00", "2026-06-16T00:00:00", "2026-06-14T00:00:00", "2026-06-15T00:00:00")]
    public void The_previous_period_is_as_long_and_ends_where_the_range_starts(string from, string to, string previousFrom, string previousTo)
    {
        static DateTime At(string t) => DateTime.Parse(t, System.Globalization.CultureInfo.InvariantCulture);
        var previous = DashboardQueries.Previous(new DateRange(At(from), At(to)));
        Assert.Equal(new DateRange(At(previousFrom), At(previousTo)), previous);
        Assert.Null(DashboardQueries.Previous(new DateRange(null, At(to))));
    }
}
