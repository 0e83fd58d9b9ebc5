using System.Globalization;
using System.Text;
using Ladle.Core.Semantic.Queries;
using Ladle.Engine.Semantic;

namespace Ladle.Engine.Tests.Semantic;

/// <summary>Rollups are built inside write-audit-publish and live and die with the version they summarise.</summary>
public sealed class RollupPublicationTests : IDisposable
{
    private readonly TestProject _project = new("");

    public RollupPublicationTests()
    {
        _project.Dataset("sales", "source: files\ntable: sales*.csv\ncolumns:\n  - { name: sold_at, type: timestamp }\n  - { name: shop, type: string }\n  - { name: amount, type: double }\n"
            + "checks:\n  - { type: range, column: amount, min: 0 }\n");
        _project.Write("models/sales.yaml", """
            dataset: sales
            dimensions:
              - { name: shop }
              - { name: sold_at, type: time }
            measures:
              - { name: takings, agg: sum, column: amount }
            rollups:
              - { name: daily, measures: [takings], dimensions: [shop], time: { dimension: sold_at, granularity: day } }
            """);
        WriteBatch("sales.csv", 1);
    }

    public void Dispose() => _project.Dispose();

    private void WriteBatch(string file, double amount)
    {
        var csv = new StringBuilder("sold_at,shop,amount\n");
        for (var h = 0; h < 48; h++) csv.Append(CultureInfo.InvariantCulture, $"2026-05-0{1 + h / 24} {h % 24:00}:30:00,{(h % 2 == 0 ? "north" : "south")},{amount}\n");
        _project.Write("data/" + file, csv.ToString());
    }

    /// <summary>Takings by shop, as "answered-by: rows".</summary>
    private static async Task<string> TakingsAsync(LadleEngine engine)
    {
        engine.Semantic.Cache.Clear();
        var (execution, rows) = await engine.Semantic.QueryAsync(new MetricQuery { Metrics = ["takings"], Dimensions = ["shop"] }, CancellationToken.None);
        await using (execution)
        await using (rows)
            return execution.AnsweredBy + ": " + string.Join("; ", Answers.Normalize(await TestProject.ReadAllAsync(rows)));
    }

    private static bool Exists(LadleEngine engine, long version) =>
        engine.QueryStoreAsync($"SELECT 1 FROM information_schema.tables WHERE table_schema = '{RollupStore.Schema}' AND table_name LIKE 'sales__v{version}__daily__%'", CancellationToken.None)
            .GetAwaiter().GetResult() is var result && TestProject.ReadAllAsync(result).GetAwaiter().GetResult().Count == 1;

    [Fact]
    public async Task The_build_log_states_how_many_rows_the_rollup_holds()
    {
        var logs = new LogLines();
        await using var engine = await LadleEngine.OpenAsync(_project.Load(), loggers: logs);

        Assert.True((await engine.Publisher.MaterializeOneAsync(engine.GetDataset("sales"), "test", null, CancellationToken.None)).Published);

        // Two days of sales in two shops: four daily rows.
        Assert.Contains(logs.Lines, l => l.StartsWith("Built rollup daily of sales version 1: 4 rows in ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Each_publication_builds_its_rollup_and_retention_drops_it_with_its_version()
    {
        await using (var engine = await _project.OpenAsync())
        {
            Assert.True((await engine.Publisher.MaterializeOneAsync(engine.GetDataset("sales"), "test", null, CancellationToken.None)).Published);
            Assert.Equal("rollup:daily: north | 24; south | 24", await TakingsAsync(engine));

            WriteBatch("sales-2.csv", 2);
            Assert.True((await engine.Publisher.MaterializeOneAsync(engine.GetDataset("sales"), "test", null, CancellationToken.None)).Published);
            Assert.Equal("rollup:daily: north | 72; south | 72", await TakingsAsync(engine));

            WriteBatch("sales-3.csv", 3);
            Assert.True((await engine.Publisher.MaterializeOneAsync(engine.GetDataset("sales"), "test", null, CancellationToken.None)).Published);
            Assert.Equal("rollup:daily: north | 144; south | 144", await TakingsAsync(engine));

            // retain_versions is 2: version 1 and its rollup go once nobody reads them.
            for (var i = 0; i < 50 && Exists(engine, 1); i++) await Task.Delay(100);
            Assert.False(Exists(engine, 1));
            Assert.True(Exists(engine, 2));
            Assert.True(Exists(engine, 3));
        }

        // After a restart the rollup of the served version is found again and answers.
        await using (var reopened = await _project.OpenAsync())
            Assert.Equal("rollup:daily: north | 144; south | 144", await TakingsAsync(reopened));
    }

    [Fact]
    public async Task A_quarantined_version_builds_no_rollup_and_the_served_one_keeps_answering()
    {
        await using var engine = await _project.OpenAsync();
        Assert.True((await engine.Publisher.MaterializeOneAsync(engine.GetDataset("sales"), "test", null, CancellationToken.None)).Published);
        WriteBatch("sales-bad.csv", -5);
        var result = await engine.Publisher.MaterializeOneAsync(engine.GetDataset("sales"), "test", null, CancellationToken.None);
        Assert.True(result.Quarantined);
        Assert.False(Exists(engine, 2));
        Assert.Equal("rollup:daily: north | 24; south | 24", await TakingsAsync(engine));
    }
}
