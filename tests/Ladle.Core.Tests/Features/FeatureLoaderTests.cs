using Ladle.Core.Errors;
using Ladle.Core.Features;
using Ladle.Core.Loading;
using Ladle.Core.Model;

namespace Ladle.Core.Tests.Features;

public sealed class FeatureLoaderTests
{
    private const string Readings = """
        name: readings
        source: files
        table: readings.csv
        primary_key: [row_id]
        columns:
          - { name: row_id, type: integer }
          - { name: warehouse_id, type: integer }
          - { name: read_at, type: timestamp }
          - { name: loaded_at, type: timestamp }
          - { name: temperature, type: double }
          - { name: humidity, type: double }
        """;

    private static TempProject Project(string features) =>
        new TempProject().Write("ladle.yaml", TempProject.MinimalProject).Write("datasets/readings.yaml", Readings).Write("features/climate.yaml", features);

    [Fact]
    public void Views_and_services_load_with_columns_expressions_and_ttl()
    {
        using var p = Project("""
            feature_views:
              - name: climate
                dataset: readings
                entities: [warehouse_id]
                event_timestamp: read_at
                created_timestamp: loaded_at
                ttl: 1d12h
                features:
                  - temperature
                  - { name: humidity_pct, sql: "humidity * 100", type: double }
            feature_services:
              - name: quality
                features: [climate.*]
            """);
        var project = ProjectLoader.Load(p.Root);
        var view = Assert.Single(project.Features.Views);
        Assert.Equal(["warehouse_id"], view.Entities);
        Assert.Equal("loaded_at", view.CreatedTimestamp);
        Assert.Equal(TimeSpan.FromHours(36), view.Ttl);
        Assert.Equal(["temperature", "humidity_pct"], view.Features.Select(f => f.Name));
        Assert.Equal(["humidity"], view.Features[1].Reads);
        var service = Assert.Single(project.Features.Services);
        Assert.Equal(["climate.temperature", "climate.humidity_pct"], service.Features.Select(f => f.FullName));
    }

    [Fact]
    public void Every_mistake_is_reported_with_file_line_and_column()
    {
        using var p = Project("""
            feature_views:
              - name: climate
                dataset: readings
                entities: [warehouse, humidity]
                event_timestamp: temperature
                ttl: soon
                featurs: []
                features:
                  - tempreature
                  - { name: hot, sql: "temperature > 30" }
                  - { name: wet, sql: "humdity * 2", type: double }
              - name: other
                dataset: reads
                event_timestamp: read_at
                features: [temperature]
            feature_services:
              - name: quality
                features: [climate.temperature, nowhere.x, climate]
            """);
        var e = Assert.Throws<ProjectValidationException>(() => ProjectLoader.Load(p.Root));
        void Has(string text, int line, int column) =>
            Assert.True(e.Diagnostics.Any(d => d.Message.Contains(text, StringComparison.Ordinal) && d.Location == new SourceLocation("features/climate.yaml", line, column)),
                $"no diagnostic '{text}' at {line}:{column} in:\n{e.Message}");
        Has("entity 'warehouse' of feature view 'climate' is not a column of dataset 'readings'", 4, 16);
        Has("entity 'humidity' of feature view 'climate' is a double column", 4, 27);
        Has("'event_timestamp' of feature view 'climate' is column 'temperature' of type double", 5, 22);
        Has("'ttl' of feature view 'climate' is 'soon', not a duration", 6, 10);
        Has("unknown key 'featurs' in a feature view", 7, 5);
        Has("feature 'tempreature' of feature view 'climate' is not a column of dataset 'readings'", 9, 9);
        Has("feature 'hot' of feature view 'climate' is an expression without 'type'", 10, 9);
        Has("'sql' of feature 'wet' of feature view 'climate': 'humdity' is not a column", 11, 28);
        Has("feature view 'other' reads dataset 'reads', which does not exist", 13, 14);
        Has("feature service 'quality' names feature view 'nowhere'", 18, 37);
        Assert.DoesNotContain(e.Diagnostics, d => d.Message.Contains("names feature view 'climate'", StringComparison.Ordinal));
        Has("feature 'climate' of feature service 'quality' must be written view.feature", 18, 48);
    }

    [Fact]
    public void Windowed_aggregates_load_with_their_function_window_and_type()
    {
        using var p = Project("""
            feature_views:
              - name: climate
                dataset: readings
                entities: [warehouse_id]
                event_timestamp: read_at
                features:
                  - { name: humidity_24h, aggregate: mean, column: humidity, window: 24h }
                  - { name: readings_1h, aggregate: count, window: 1h }
                  - { name: hot_sum, aggregate: sum, sql: "CASE WHEN temperature > 30 THEN 1 ELSE 0 END", type: integer, window: 2d }
                  - { name: coldest, aggregate: min, column: temperature, window: 90m }
            """);
        var view = Assert.Single(ProjectLoader.Load(p.Root).Features.Views);
        var mean = view.Features[0];
        Assert.Equal(new FeatureAggregate(AggregateFunction.Avg, TimeSpan.FromHours(24)), mean.Aggregate);
        Assert.Equal(("humidity", LadleType.Double), (mean.Column, mean.Type));
        Assert.Equal((AggregateFunction.Count, LadleType.Integer, (string?)null, (string?)null), (view.Features[1].Aggregate!.Function, view.Features[1].Type, view.Features[1].Column, view.Features[1].Sql));
        Assert.Equal((LadleType.Integer, TimeSpan.FromDays(2)), (view.Features[2].Type, view.Features[2].Aggregate!.Window));
        Assert.Equal(["temperature"], view.Features[2].Reads);
        Assert.Equal((LadleType.Double, TimeSpan.FromMinutes(90)), (view.Features[3].Type, view.Features[3].Aggregate!.Window));
    }

    [Fact]
    public void Windowed_aggregate_mistakes_are_reported_with_file_line_and_column()
    {
        using var p = Project("""
            feature_views:
              - name: climate
                dataset: readings
                entities: [warehouse_id]
                event_timestamp: read_at
                features:
                  - { name: a, aggregate: median, column: humidity, window: 24h }
                  - { name: b, aggregate: avg, column: humidity }
                  - { name: c, column: humidity, window: 1h }
                  - { name: d, aggregate: sum, column: humidity, window: tomorrow }
                  - { name: e, aggregate: max, window: 1h }
                  - { name: f, aggregate: avg, column: read_at, window: 1h }
                  - { name: g, aggregate: min, column: humidty, window: 1h }
                  - { name: h, aggregate: max, column: humidity, type: double, window: 1h }
                  - { name: i, aggregate: sum, sql: "humidty * 2", type: double, window: 1h }
            """);
        var e = Assert.Throws<ProjectValidationException>(() => ProjectLoader.Load(p.Root));
        void Has(string text, int line, int column) =>
            Assert.True(e.Diagnostics.Any(d => d.Message.Contains(text, StringComparison.Ordinal) && d.Location == new SourceLocation("features/climate.yaml", line, column)),
                $"no diagnostic '{text}' at {line}:{column} in:\n{e.Message}");
        Has("'aggregate' of feature 'a' of feature view 'climate' is 'median', not an aggregate function", 7, 31);
        Has("feature 'b' of feature view 'climate' aggregates without a 'window'", 8, 31);
        Has("feature 'c' of feature view 'climate' has a 'window' but no 'aggregate'", 9, 46);
        Has("'window' of feature 'd' of feature view 'climate' is 'tomorrow', not a duration", 10, 62);
        Has("feature 'e' of feature view 'climate' says aggregate max but not of what", 11, 31);
        Has("feature 'f' of feature view 'climate' says aggregate avg of a timestamp value", 12, 31);
        Has("feature 'g' of feature view 'climate' aggregates column 'humidty', which dataset 'readings' does not declare", 13, 44);
        Has("feature 'h' of feature view 'climate' aggregates a column and says 'type'", 14, 60);
        Has("'sql' of feature 'i' of feature view 'climate': 'humidty' is not a column", 15, 42);
    }

    [Fact]
    public void A_project_without_features_folder_has_no_features()
    {
        using var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject).Write("datasets/readings.yaml", Readings);
        Assert.Empty(ProjectLoader.Load(p.Root).Features.Views);
    }
}
