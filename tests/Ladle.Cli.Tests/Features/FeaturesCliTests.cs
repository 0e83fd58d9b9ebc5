namespace Ladle.Cli.Tests.Features;

/// <summary>
/// `ladle features list` and `ladle features training-set` as a real process: locally on the store, then through a
/// running `ladle serve` (which holds the store) with the same bytes out, from a CSV file or a dataset of entity rows.
/// </summary>
public sealed class FeaturesCliTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ladle-cli-features-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private void Write(string path, string text)
    {
        var full = Path.Combine(_dir, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text.ReplaceLineEndings("\n"));
    }

    private void WriteProject()
    {
        Write("ladle.yaml", "name: factory\nsources:\n  files:\n    kind: files\n    path: data\n");
        // Warehouse 1: row 2 is late (event 01:00, known 03:00). Warehouse 2: two rows share an event time (row 5 wins).
        Write("data/readings.csv", """
            row_id,warehouse_id,read_at,loaded_at,temperature
            1,1,2026-01-01 00:00:00,2026-01-01 00:00:00,10
            2,1,2026-01-01 01:00:00,2026-01-01 03:00:00,11
            3,1,2026-01-01 02:00:00,2026-01-01 02:00:00,12
            4,2,2026-01-01 00:00:00,,20
            5,2,2026-01-01 00:00:00,,21

            """);
        Write("data/asks.csv", """
            warehouse_id,event_timestamp,label
            2,2026-01-01 01:00:00,1

            """);
        Write("datasets/readings.yaml", """
            name: readings
            source: files
            table: readings.csv
            materialization: table
            primary_key: [row_id]
            columns:
              - { name: row_id, type: integer }
              - { name: warehouse_id, type: integer }
              - { name: read_at, type: timestamp }
              - { name: loaded_at, type: timestamp }
              - { name: temperature, type: double }
            """);
        Write("datasets/asks.yaml", """
            name: asks
            source: files
            table: asks.csv
            materialization: table
            columns:
              - { name: warehouse_id, type: integer }
              - { name: event_timestamp, type: timestamp }
              - { name: label, type: integer }
            """);
        Write("features/climate.yaml", """
            feature_views:
              - name: climate
                dataset: readings
                entities: [warehouse_id]
                event_timestamp: read_at
                created_timestamp: loaded_at
                ttl: 2h
                features:
                  - temperature
                  - { name: temp_avg_3h, aggregate: avg, column: temperature, window: 3h }
            feature_services:
              - name: quality
                description: Defect model inputs.
                features: [climate.*]
            """);
        Write("entities.csv", """
            warehouse_id,event_timestamp,label
            1,2026-01-01 01:30:00,1
            1,2026-01-01 03:00:00,0
            2,2026-01-01 01:00:00,1
            2,2026-01-01 02:30:00,0
            3,2026-01-01 01:00:00,1

            """);
    }

    /// <summary>The last two fields (temperature, temp_avg_3h) and the label of each line after the header.</summary>
    private static List<string> Features(string csv) =>
        csv.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(l => l.Split(',')).Select(f => $"{f[^3]}|{Number(f[^2])}|{Number(f[^1])}").ToList();

    // The value, whichever text a writer gives a double ('10' or DuckDB's '10.0').
    private static string Number(string text) =>
        text.Length == 0 ? "" : double.Parse(text, System.Globalization.CultureInfo.InvariantCulture).ToString(System.Globalization.CultureInfo.InvariantCulture);

    // Row 1 at 01:30: the late row is not known yet (10; window holds row 1 only). At 03:00 it is, but row 3 is newer
    // (12; the window (00:00, 03:00] holds rows 2 and 3). Warehouse 2 at 01:00: the tie goes to row 5; at 02:30 the
    // winner is 2h30 old, past the 2h TTL (empty), while the 3h window still holds both rows. Warehouse 3 has nothing.
    private static readonly List<string> Expected = ["1|10|10", "0|12|11.5", "1|21|20.5", "0||20.5", "1||"];

    [Fact]
    public async Task Training_set_is_written_locally_and_through_a_running_server_with_the_same_bytes()
    {
        WriteProject();
        var materialize = await LadleProcess.RunAsync("materialize", "--project", _dir);
        Assert.True(materialize.ExitCode == 0, materialize.Out + materialize.Err);

        var list = await LadleProcess.RunAsync("features", "list", "--project", _dir);
        Assert.True(list.ExitCode == 0, list.Err);
        Assert.Contains("avg(temperature) over 3h", list.Out, StringComparison.Ordinal);
        Assert.Contains("climate.temperature, climate.temp_avg_3h", list.Out, StringComparison.Ordinal);

        var local = Path.Combine(_dir, "local.csv");
        var run = await LadleProcess.RunAsync("features", "training-set", "--project", _dir, "--entities", Path.Combine(_dir, "entities.csv"), "--service", "quality", "--output", local);
        Assert.True(run.ExitCode == 0, run.Out + run.Err);
        var csv = await File.ReadAllTextAsync(local);
        Assert.StartsWith("warehouse_id,event_timestamp,label,temperature,temp_avg_3h\n", csv.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Equal(Expected, Features(csv));

        var parquet = Path.Combine(_dir, "local.parquet");
        run = await LadleProcess.RunAsync("features", "training-set", "--project", _dir, "--entity-dataset", "asks", "--features", "climate.temperature", "--output", parquet);
        Assert.True(run.ExitCode == 0, run.Out + run.Err);
        var read = await LadleProcess.RunAsync("query", "--project", _dir, "--format", "csv", $"SELECT label, temperature FROM read_parquet('{parquet}')");
        Assert.True(read.ExitCode == 0, read.Err);
        Assert.Equal("label,temperature\n1,21\n", read.Out.ReplaceLineEndings("\n"));

        await using var serve = await ServeProcess.StartAsync(_dir);
        var served = Path.Combine(_dir, "served.csv");
        run = await LadleProcess.RunAsync("features", "training-set", "--project", _dir, "--entities", Path.Combine(_dir, "entities.csv"), "--service", "quality", "--output", served);
        Assert.True(run.ExitCode == 0, run.Out + run.Err + serve.Output);
        Assert.Contains("asking it", run.Err, StringComparison.Ordinal);
        Assert.Equal(csv, await File.ReadAllTextAsync(served));

        var servedJson = Path.Combine(_dir, "served.ndjson");
        run = await LadleProcess.RunAsync("features", "training-set", "--project", _dir, "--entity-dataset", "asks", "--features", "climate.*", "--output", servedJson);
        Assert.True(run.ExitCode == 0, run.Out + run.Err + serve.Output);
        Assert.Contains("\"temperature\":21", await File.ReadAllTextAsync(servedJson), StringComparison.Ordinal);

        // A refusal from the server is the same error a local run gives, and leaves no file behind.
        var wrong = Path.Combine(_dir, "wrong.csv");
        run = await LadleProcess.RunAsync("features", "training-set", "--project", _dir, "--entities", Path.Combine(_dir, "entities.csv"), "--service", "qualty", "--output", wrong);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("no feature service 'qualty' (did you mean 'quality'?)", run.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(wrong));
        Assert.False(File.Exists(wrong + ".partial"));
    }

    [Fact]
    public async Task Bad_arguments_say_what_to_fix()
    {
        WriteProject();
        var noEntities = await LadleProcess.RunAsync("features", "training-set", "--project", _dir, "--service", "quality", "--output", Path.Combine(_dir, "x.csv"));
        Assert.Equal(1, noEntities.ExitCode);
        Assert.Contains("--entities FILE (.csv or .parquet) or --entity-dataset NAME", noEntities.Err, StringComparison.Ordinal);
        var badExtension = await LadleProcess.RunAsync("features", "training-set", "--project", _dir, "--entities", Path.Combine(_dir, "entities.csv"), "--service", "quality", "--output", Path.Combine(_dir, "x.txt"));
        Assert.Equal(1, badExtension.ExitCode);
        Assert.Contains("--output 'x.txt' has no known extension", badExtension.Err, StringComparison.Ordinal);
        var local = await LadleProcess.RunAsync("features", "training-set", "--project", _dir, "--entities", Path.Combine(_dir, "entities.csv"), "--service", "qualty", "--output", Path.Combine(_dir, "x.csv"));
        Assert.Equal(1, local.ExitCode);
        Assert.Contains("no feature service 'qualty' (did you mean 'quality'?)", local.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "x.csv")));
    }
}
