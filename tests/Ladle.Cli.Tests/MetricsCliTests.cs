namespace Ladle.Cli.Tests;

public sealed class MetricsCliTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ladle-cli-metrics-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task Metrics_list_and_query_work_on_the_starter_project_with_a_model()
    {
        Assert.Equal(0, (await LadleProcess.RunAsync("init", _dir)).ExitCode);
        Directory.CreateDirectory(Path.Combine(_dir, "models"));
        await File.WriteAllTextAsync(Path.Combine(_dir, "models", "cities.yaml"), """
            dataset: cities
            dimensions:
              - { name: country }
            measures:
              - { name: people, agg: sum, column: population }
              - { name: city_count, agg: count }
            metrics:
              - { name: population, measure: people, description: People living in the cities. }
              - { name: people_per_city, type: ratio, numerator: people, denominator: city_count }
            """);
        Assert.Equal(0, (await LadleProcess.RunAsync("materialize", "--project", _dir)).ExitCode);

        var list = await LadleProcess.RunAsync("metrics", "list", "--project", _dir);
        Assert.Equal(0, list.ExitCode);
        Assert.Contains("People living in the cities.", list.Out, StringComparison.Ordinal);
        Assert.Contains("people_per_city", list.Out, StringComparison.Ordinal);

        var csv = await LadleProcess.RunAsync("metrics", "query", "population", "people_per_city", "--by", "country", "--format", "csv", "--project", _dir);
        Assert.Equal(0, csv.ExitCode);
        var lines = csv.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("country,population,people_per_city", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("DE,", StringComparison.Ordinal));

        var explain = await LadleProcess.RunAsync("metrics", "query", "population", "--by", "country", "--explain", "--project", _dir);
        Assert.Equal(0, explain.ExitCode);
        Assert.Contains("-- runs in store; answered by query", explain.Out, StringComparison.Ordinal);
        Assert.Contains("WITH \"n0\" AS", explain.Out, StringComparison.Ordinal);

        var typo = await LadleProcess.RunAsync("metrics", "query", "populaton", "--project", _dir);
        Assert.Equal(1, typo.ExitCode);
        Assert.Contains("no metric 'populaton' (did you mean 'population'?)", typo.Err, StringComparison.Ordinal);
    }
}
