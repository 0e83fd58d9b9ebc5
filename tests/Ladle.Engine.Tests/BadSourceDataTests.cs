using DuckDB.NET.Data;
using Ladle.Core.Errors;
using Ladle.Engine.Checks;
using Ladle.Engine.Scheduling;
using Ladle.Engine.State;
using Ladle.Engine.Tests.Scheduling;
using Microsoft.Extensions.Time.Testing;

namespace Ladle.Engine.Tests;

/// <summary>
/// Source files that cannot be read, and source rows that do not fit the declared columns, over the real publisher
/// and run queue: what can heal (a source folder that is gone) is retried; what cannot fails at once and says where.
/// </summary>
public sealed class BadSourceDataTests
{
    private static readonly DateTimeOffset Start = new(2030, 1, 7, 12, 3, 0, TimeSpan.Zero);

    private static TestProject Project()
    {
        var p = new TestProject("");
        p.Write("ladle.yaml", "name: test\nserver:\n  run_retries: 3\n  retry_backoff: 30s\nsources:\n  files:\n    kind: files\n    path: data\n");
        return p;
    }

    /// <summary>A real Parquet file of <paramref name="rows"/> rows, in several row groups.</summary>
    internal static void WriteParquet(string path, int rows, string select = "range AS id, 'name ' || range AS name")
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"COPY (SELECT {select} FROM range({rows})) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 10000)";
        command.ExecuteNonQuery();
    }

    /// <summary>Breaks a good Parquet file the ways producers and disks do.</summary>
    internal static void Damage(string path, string how)
    {
        var bytes = File.ReadAllBytes(path);
        switch (how)
        {
            case "truncated": File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]); break;
            case "empty": File.WriteAllBytes(path, []); break;
            case "missing": File.Delete(path); break;
            case "corrupt":
                // The footer stays intact, so the schema reads; a page in the middle does not.
                for (var i = bytes.Length / 3; i < bytes.Length / 3 + 2000; i++) bytes[i] = 0x5A;
                File.WriteAllBytes(path, bytes);
                break;
            default: throw new ArgumentOutOfRangeException(nameof(how), how, null);
        }
    }

    private static async Task<List<VersionRecord>> VersionsAsync(LadleEngine engine, string dataset) =>
        (await engine.State.ListVersionsAsync(dataset, 100, CancellationToken.None)).OrderBy(v => v.Version).ToList();

    [Theory]
    [InlineData("truncated", "No magic bytes")]
    [InlineData("empty", "too small to be a Parquet file")]
    [InlineData("missing", "No files found")]
    [InlineData("corrupt", "Failed to read file")]
    public async Task A_file_that_cannot_be_read_fails_the_run_at_once_with_its_path_and_the_readers_reason(string how, string reason)
    {
        using var p = Project();
        WriteParquet(p.PathOf("data/orders/part-1.parquet"), 200_000);
        p.Dataset("orders", "source: files\ntable: orders/*.parquet\n");
        var time = new FakeTimeProvider(Start);
        await using var engine = await p.OpenAsync();
        Assert.True((await engine.Publisher.MaterializeAsync(["orders"], "cli", null, CancellationToken.None))[0].Published);
        Damage(p.PathOf("data/orders/part-1.parquet"), how);
        var scheduler = new DatasetScheduler(engine.Project, engine.Catalog, engine.State, engine.Publisher, time);
        await scheduler.StartAsync(CancellationToken.None);
        try
        {
            var run = scheduler.Request("orders", "api").Run;
            var result = await run.Completion;

            Assert.False(result.Published);
            Assert.Equal(RunStatus.Failed, result.Status);
            Assert.Equal(1, run.Attempts);
            Assert.Null(run.RetryAt);
            var expectedPath = how == "missing" ? "data/orders/*.parquet" : "data/orders/part-1.parquet";
            Assert.Contains(expectedPath, result.Error, StringComparison.Ordinal);
            Assert.Contains(reason, result.Error, StringComparison.Ordinal);
            Assert.StartsWith("dataset 'orders' (datasets/orders.yaml): ", result.Error, StringComparison.Ordinal);
            var failed = (await VersionsAsync(engine, "orders")).Last();
            Assert.Equal((2L, VersionStatus.Failed), (failed.Version, failed.Status));
            Assert.Equal(1, engine.Catalog.Current("orders")!.Version);
            Assert.Empty(scheduler.InFlight());
        }
        finally
        {
            await scheduler.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_source_folder_that_is_gone_is_an_outage_and_is_retried_until_it_is_back()
    {
        using var p = Project();
        WriteParquet(p.PathOf("data/orders/part-1.parquet"), 10);
        p.Dataset("orders", "source: files\ntable: orders/*.parquet\n");
        var time = new FakeTimeProvider(Start);
        await using var engine = await p.OpenAsync();
        // The share is unmounted: the whole folder of the source is not there.
        Directory.Move(p.PathOf("data"), p.PathOf("data-unmounted"));
        var scheduler = new DatasetScheduler(engine.Project, engine.Catalog, engine.State, engine.Publisher, time);
        await scheduler.StartAsync(CancellationToken.None);
        try
        {
            var run = scheduler.Request("orders", "api").Run;
            await Eventually.True(() => run.RetryAt == Start.AddSeconds(30), "a retry is due 30s after the first failure");
            var first = Assert.Single(await VersionsAsync(engine, "orders"));
            Assert.Contains("its folder data is not there or empty", first.Error, StringComparison.Ordinal);

            // An unmounted share may leave its mount point behind, empty: still an outage.
            Directory.CreateDirectory(p.PathOf("data"));
            time.Advance(TimeSpan.FromSeconds(30));
            await Eventually.True(() => run.RetryAt == Start.AddSeconds(30 + 60), "the second retry waits twice as long");
            Assert.Contains("is not there or empty", (await VersionsAsync(engine, "orders")).Last().Error, StringComparison.Ordinal);
            Directory.Delete(p.PathOf("data"));

            Directory.Move(p.PathOf("data-unmounted"), p.PathOf("data"));
            time.Advance(TimeSpan.FromSeconds(60));
            var result = await run.Completion;
            Assert.True(result.Published, result.Error);
            Assert.Equal(3, run.Attempts);
        }
        finally
        {
            await scheduler.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_live_read_of_a_broken_file_is_a_source_data_error_naming_the_file()
    {
        using var p = Project();
        WriteParquet(p.PathOf("data/events.parquet"), 10);
        Damage(p.PathOf("data/events.parquet"), "truncated");
        p.Dataset("events", "source: files\ntable: events.parquet\nmaterialization: live\n");
        await using var engine = await p.OpenAsync();

        var e = await Assert.ThrowsAsync<SourceDataException>(() => TestProject.RowsAsync(engine, "events"));
        Assert.Equal("data/events.parquet", e.File);
        Assert.Contains("No magic bytes", e.Message, StringComparison.Ordinal);
    }

    private const string Cities = "name,population\nOslo,709000\nBergen,291000\nNowhere,many\nTromso,77000\n";

    private static string CitiesDataset(string onBadRows = "") =>
        "source: files\ntable: cities.csv\ncolumns:\n  - name: name\n    type: string\n  - name: population\n    type: integer\n" + onBadRows;

    [Fact]
    public async Task A_csv_value_that_does_not_fit_its_column_fails_the_version_naming_file_line_and_column_never_the_value()
    {
        using var p = Project();
        p.Write("data/cities.csv", Cities);
        p.Dataset("cities", CitiesDataset());
        await using var engine = await p.OpenAsync();
        var scheduler = new DatasetScheduler(engine.Project, engine.Catalog, engine.State, engine.Publisher, new FakeTimeProvider(Start));
        await scheduler.StartAsync(CancellationToken.None);
        try
        {
            var run = scheduler.Request("cities", "api").Run;
            var result = await run.Completion;

            Assert.False(result.Published);
            Assert.Equal(RunStatus.Failed, result.Status);
            Assert.Equal(1, run.Attempts);
            Assert.StartsWith("datasets/cities.yaml: column population: the value at data/cities.csv:4 is not an integer", result.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("many", result.Error, StringComparison.Ordinal);
            // The owner's build log says what the value was.
            Assert.StartsWith("datasets/cities.yaml: column population: value 'many' at data/cities.csv:4 is not an integer", result.Detail, StringComparison.Ordinal);
            var version = Assert.Single(await VersionsAsync(engine, "cities"));
            Assert.Equal(VersionStatus.Failed, version.Status);
            Assert.DoesNotContain("many", version.Error, StringComparison.Ordinal);
        }
        finally
        {
            await scheduler.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_bad_value_past_the_csv_readers_sample_is_found_by_line_too()
    {
        using var p = Project();
        // Past DuckDB's sniffing sample the column reads as an integer; the reader itself then fails.
        p.Write("data/cities.csv", "name,population\n" + string.Concat(Enumerable.Range(1, 30_000).Select(i => $"c{i},{i}\n")) + "Nowhere,many\n");
        p.Dataset("cities", CitiesDataset());
        await using var engine = await p.OpenAsync();

        var result = (await engine.Publisher.MaterializeAsync(["cities"], "cli", null, CancellationToken.None))[0];
        Assert.False(result.Published);
        Assert.Contains("column population: the value at data/cities.csv:30002 is not an integer", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("many", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reject_publishes_the_rows_that_fit_and_keeps_the_others_beside_the_version_counted_by_a_warn_check()
    {
        using var p = Project();
        p.Write("data/cities.csv", Cities);
        p.Dataset("cities", CitiesDataset("on_bad_rows: reject\n"));
        await using var engine = await p.OpenAsync();

        var result = (await engine.Publisher.MaterializeAsync(["cities"], "cli", null, CancellationToken.None))[0];

        Assert.True(result.Published, result.Error);
        Assert.Equal(3, result.Rows);
        var rows = await TestProject.RowsAsync(engine, "cities");
        Assert.Equal(["Bergen", "Oslo", "Tromso"], rows.Select(r => (string)r[0]!).Order(StringComparer.Ordinal));
        var check = Assert.Single(result.Checks, c => c.Check == BadRowsCheck.Name);
        Assert.Equal((CheckOutcome.Failed, Core.Model.CheckSeverity.Warn, 1L, 4L), (check.Outcome, check.Severity, check.FailingRows, check.TotalRows));
        Assert.Contains("first: data/cities.csv:4: column population is not an integer", check.Message, StringComparison.Ordinal);
        Assert.Contains("ladle_rejects.\"cities__v1\"", check.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("many", check.Message + check.Sample, StringComparison.Ordinal);
        Assert.Equal("""[{"file":"data/cities.csv","line":4,"column":"population","reason":"not an integer"}]""", check.Sample);
        Assert.Equal(Trust.DataStatus.Warn, engine.Trust.Evaluate(engine.GetDataset("cities"), engine.Catalog.Current("cities")).Status);
        var recorded = await engine.State.ListCheckResultsAsync("cities", 1, 10, CancellationToken.None);
        Assert.Contains(recorded, r => r.Check == BadRowsCheck.Name && r.FailingRows == 1);

        // The side table holds what the owner needs to fix the file, the value included.
        Assert.Equal(["data/cities.csv|4|population|many|not an integer"], Query(engine, "SELECT file || '|' || line || '|' || \"column\" || '|' || value || '|' || reason FROM ladle_rejects.\"cities__v1\""));

        // It goes with its version.
        engine.Store.DropVersion("cities", 1);
        Assert.Empty(Query(engine, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'ladle_rejects'"));
    }

    [Fact]
    public async Task Quarantine_builds_the_version_without_the_bad_rows_but_keeps_the_last_good_one_served()
    {
        using var p = Project();
        p.Write("data/cities.csv", "name,population\nOslo,709000\n");
        p.Dataset("cities", CitiesDataset("on_bad_rows: quarantine\n"));
        await using var engine = await p.OpenAsync();
        var good = (await engine.Publisher.MaterializeAsync(["cities"], "cli", null, CancellationToken.None))[0];
        Assert.True(good.Published, good.Error);
        Assert.Equal(CheckOutcome.Passed, Assert.Single(good.Checks).Outcome);

        p.Write("data/cities.csv", Cities);
        var result = (await engine.Publisher.MaterializeAsync(["cities"], "cli", null, CancellationToken.None))[0];

        Assert.True(result.Quarantined);
        // The reason (readers see it) names the failing check; its figures are in the check result, for its owner.
        Assert.Contains("bad_rows", result.Error, StringComparison.Ordinal);
        var check = Assert.Single(result.Checks);
        Assert.Contains("1 of 4 source rows do not fit", check.Message, StringComparison.Ordinal);
        Assert.True(check.Blocks);
        Assert.Equal(1, engine.Catalog.Current("cities")!.Version);
        Assert.Equal(VersionStatus.Quarantined, (await VersionsAsync(engine, "cities")).Last().Status);
    }

    [Fact]
    public async Task Reject_with_a_threshold_tolerates_that_many_rows_and_an_error_severity_quarantines_past_it()
    {
        using var p = Project();
        p.Write("data/cities.csv", Cities);
        p.Dataset("cities", CitiesDataset("on_bad_rows:\n  action: reject\n  threshold: 1\n  severity: error\n"));
        await using var engine = await p.OpenAsync();
        var tolerated = (await engine.Publisher.MaterializeAsync(["cities"], "cli", null, CancellationToken.None))[0];
        Assert.True(tolerated.Published, tolerated.Error);
        Assert.Equal(CheckOutcome.Passed, Assert.Single(tolerated.Checks).Outcome);

        p.Write("data/cities.csv", Cities + "Atlantis,lost\n");
        var over = (await engine.Publisher.MaterializeAsync(["cities"], "cli", null, CancellationToken.None))[0];
        Assert.True(over.Quarantined);
        Assert.Equal(2, Assert.Single(over.Checks).FailingRows);
    }

    [Fact]
    public async Task Parquet_values_that_do_not_convert_are_found_by_row_and_rejected_by_try_cast()
    {
        using var p = Project();
        WriteParquet(p.PathOf("data/cities.parquet"), 4, "'c' || range AS name, CASE WHEN range = 2 THEN 'many' ELSE CAST(range * 1000 AS VARCHAR) END AS population");
        p.Dataset("cities", "source: files\ntable: cities.parquet\ncolumns:\n  - name: name\n    type: string\n  - name: population\n    type: integer\n");
        p.Dataset("cities_kept", "source: files\ntable: cities.parquet\non_bad_rows: reject\ncolumns:\n  - name: name\n    type: string\n  - name: population\n    type: integer\n");
        await using var engine = await p.OpenAsync();

        var results = await engine.Publisher.MaterializeAsync([], "cli", null, CancellationToken.None);

        var failed = Assert.Single(results, r => r.Dataset == "cities");
        Assert.StartsWith("datasets/cities.yaml: column population: the value at data/cities.parquet row 3 is not an integer", failed.Error, StringComparison.Ordinal);
        Assert.Contains("value 'many' at data/cities.parquet row 3", failed.Detail, StringComparison.Ordinal);
        var kept = Assert.Single(results, r => r.Dataset == "cities_kept");
        Assert.True(kept.Published, kept.Error);
        Assert.Equal(3, kept.Rows);
        Assert.Equal(["data/cities.parquet|3|many"], Query(engine, "SELECT file || '|' || line || '|' || value FROM ladle_rejects.\"cities_kept__v1\""));
    }

    private static List<string> Query(LadleEngine engine, string sql)
    {
        using var connection = engine.Store.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read()) values.Add(reader.GetString(0));
        return values;
    }
}
