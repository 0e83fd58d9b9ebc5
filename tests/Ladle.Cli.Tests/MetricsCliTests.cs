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

    [Fact]
    public async Task Ladle_query_and_ladle_metrics_query_are_audited_as_the_local_principal()
    {
        Assert.Equal(0, (await LadleProcess.RunAsync("init", _dir)).ExitCode);
        Directory.CreateDirectory(Path.Combine(_dir, "models"));
        await File.WriteAllTextAsync(Path.Combine(_dir, "models", "cities.yaml"), """
            dataset: cities
            dimensions:
              - { name: country }
            measures:
              - { name: people, agg: sum, column: population }
            metrics:
              - { name: population, measure: people }
            """);
        Assert.Equal(0, (await LadleProcess.RunAsync("materialize", "--project", _dir)).ExitCode);

        var sql = await LadleProcess.RunAsync("query", "SELECT count(*) AS n FROM cities", "--format", "csv", "--project", _dir);
        Assert.Equal(0, sql.ExitCode);
        Assert.StartsWith("n\n", sql.Out.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        var metrics = await LadleProcess.RunAsync("metrics", "query", "population", "--by", "country", "--project", _dir);
        Assert.Equal(0, metrics.ExitCode);
        Assert.Contains("cities v1 ok", metrics.Out, StringComparison.Ordinal);
        var wrong = await LadleProcess.RunAsync("query", "SELECT nope FROM cities", "--project", _dir);
        Assert.Equal(1, wrong.ExitCode);

        var (code, audit, error) = await LadleProcess.RunAsync("audit", "--project", _dir);
        Assert.True(code == 0, error);
        var lines = audit.Split('\n').Where(l => l.Contains(" cli ", StringComparison.Ordinal)).ToList();
        // The owner's SQL is kept as its text (the audit's filters column); the metric query as what it asked.
        Assert.Contains(lines, l => l.Contains(" local ", StringComparison.Ordinal) && l.Contains(" sql ", StringComparison.Ordinal) &&
                                    l.Contains(" ok ", StringComparison.Ordinal) && l.Contains("count(*) AS n FROM cities", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(" local ", StringComparison.Ordinal) && l.Contains(" metrics ", StringComparison.Ordinal) &&
                                    l.Contains("cities=1", StringComparison.Ordinal) && l.Contains("metrics=population", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(" sql ", StringComparison.Ordinal) && !l.Contains(" ok ", StringComparison.Ordinal) &&
                                    l.Contains("SELECT nope", StringComparison.Ordinal));
    }
}
