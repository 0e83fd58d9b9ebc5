using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using DuckDB.NET.Data;
using Ladle.Core.Loading;
using Ladle.Engine;
using Ladle.Engine.Store;

namespace Ladle.Bench;

/// <summary>
/// A point-in-time training set of N entity rows × 10 features (one view keyed by warehouse, rows every few minutes
/// over 30 days) through Ladle's REST endpoint (Parquet upload in, Parquet streamed out to a file), against a
/// hand-written DuckDB ASOF JOIN of the same entity file to the same published table, written to Parquet by DuckDB's
/// COPY, in the same process, alternating each round. The hand-written query is what a user would write without
/// Ladle: it does not break ties on event time (ASOF picks any) and has no created-time rule; ORDER BY keeps the
/// entity rows' order, as Ladle's answer does (a second reference without it shows what the order costs).
/// Prints the median and spread (min–max) of each and the ratio of the medians.
/// </summary>
internal static class TrainingSetBenchmark
{
    private const int Features = 10;

    public static async Task<int> RunAsync(string[] args)
    {
        var entityRows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        var featureRows = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1_000_000;
        var keys = Math.Max(1, featureRows / 500);
        var work = Path.Combine(Path.GetTempPath(), "ladle-bench-training-set");
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        Directory.CreateDirectory(Path.Combine(work, "data"));
        Console.WriteLine($"Generating {featureRows:N0} feature rows over {keys:N0} warehouses and {entityRows:N0} entity rows in {work} …");
        Generate(work, featureRows, entityRows, keys);

        await using var engine = await LadleEngine.OpenAsync(ProjectLoader.Load(work));
        foreach (var result in await engine.Publisher.MaterializeAsync(["readings"], "bench", null, CancellationToken.None))
            if (!result.Published) throw new InvalidOperationException($"{result.Dataset}: {result.Error}");
        var table = DuckDbStore.VersionTable("readings", engine.Catalog.Current("readings")!.Version);
        var (app, http) = await BenchProject.ServeAsync(engine, dev: true);
        await using var appScope = app;
        using var httpScope = http;
        var entities = Path.Combine(work, "data", "entities.parquet");
        var columns = string.Join(", ", Enumerable.Range(1, Features).Select(i => $"f.f{i}"));
        var asof = $"SELECT e.*, {columns} FROM read_parquet('{entities}') AS e ASOF LEFT JOIN {table} AS f ON e.warehouse_id = f.warehouse_id AND e.event_timestamp >= f.read_at";
        Console.WriteLine($"Load average {LoadAverage()}; {rounds} alternating rounds.");

        var steps = new (string Name, Func<Task> Run)[]
        {
            ("DuckDB hand-written ASOF, ordered -> parquet", () => Duck(engine, $"COPY ({asof} ORDER BY e.ordinal) TO '{work}/duck-ordered.parquet' (FORMAT parquet)")),
            ("DuckDB hand-written ASOF, any order -> parquet", () => Duck(engine, $"COPY ({asof}) TO '{work}/duck.parquet' (FORMAT parquet)")),
            ("Ladle REST training set -> parquet file", async () =>
            {
                await using var upload = File.OpenRead(entities);
                using var content = new StreamContent(upload);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.apache.parquet");
                using var response = await http.PostAsync("/api/v1/features/training-set?feature_service=bench&format=parquet", content);
                if (!response.IsSuccessStatusCode) throw new InvalidOperationException(await response.Content.ReadAsStringAsync());
                await using var file = File.Create(Path.Combine(work, "ladle.parquet"));
                await response.Content.CopyToAsync(file);
            }),
        };
        foreach (var step in steps) await step.Run(); // warm-up
        var times = steps.Select(_ => new List<double>()).ToArray();
        for (var round = 0; round < rounds; round++)
            for (var i = 0; i < steps.Length; i++)
            {
                var s = round % 2 == 0 ? i : steps.Length - 1 - i;
                var clock = Stopwatch.StartNew();
                await steps[s].Run();
                times[s].Add(clock.Elapsed.TotalMilliseconds);
            }

        Console.WriteLine();
        Console.WriteLine($"training set: {entityRows:N0} entity rows × {Features} features; ladle.parquet {new FileInfo(Path.Combine(work, "ladle.parquet")).Length:N0} bytes");
        Console.WriteLine($"  {"step",-48} {"median ms",10} {"min–max ms",16} {"/ ordered ASOF",15}");
        var reference = Median(times[0]);
        for (var i = 0; i < steps.Length; i++)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {steps[i].Name,-48} {Median(times[i]),10:F0} {$"{times[i].Min():F0}–{times[i].Max():F0}",16} {Median(times[i]) / reference,14:F2}x"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  Ladle / hand-written ASOF: {Median(times[2]) / reference:F2}x ordered, {Median(times[2]) / Median(times[1]):F2}x unordered (goal ≤ 1.2x). Load average now {LoadAverage()}."));
        return 0;
    }

    private static void Generate(string work, int featureRows, int entityRows, int keys)
    {
        File.WriteAllText(Path.Combine(work, "ladle.yaml"), "name: bench\nsources:\n  files:\n    kind: files\n    path: data\n");
        Directory.CreateDirectory(Path.Combine(work, "datasets"));
        File.WriteAllText(Path.Combine(work, "datasets", "readings.yaml"),
            "name: readings\nsource: files\ntable: readings.parquet\nmaterialization: table\nprimary_key: [row_id]\ncolumns:\n" +
            "  - { name: row_id, type: integer }\n  - { name: warehouse_id, type: integer }\n  - { name: read_at, type: timestamp }\n" +
            string.Concat(Enumerable.Range(1, Features).Select(i => $"  - {{ name: f{i}, type: double }}\n")));
        Directory.CreateDirectory(Path.Combine(work, "features"));
        File.WriteAllText(Path.Combine(work, "features", "bench.yaml"),
            "feature_views:\n  - name: climate\n    dataset: readings\n    entities: [warehouse_id]\n    event_timestamp: read_at\n    features: [" +
            string.Join(", ", Enumerable.Range(1, Features).Select(i => $"f{i}")) + "]\nfeature_services:\n  - name: bench\n    features: [climate.*]\n");
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        var values = string.Join(", ", Enumerable.Range(1, Features).Select(i => $"round(random() * 100, 2) AS f{i}"));
        // 30 days; read_at on a 1-minute grid, so some rows of a warehouse share an event time (ties).
        command.CommandText = string.Create(CultureInfo.InvariantCulture,
            $"SELECT setseed(0.42); COPY (SELECT i AS row_id, (i % {keys}) + 1 AS warehouse_id, TIMESTAMP '2026-01-01' + to_minutes(CAST(floor(random() * 43200) AS BIGINT)) AS read_at, {values} " +
            $"FROM range({featureRows}) t(i)) TO '{work}/data/readings.parquet' (FORMAT parquet); " +
            $"COPY (SELECT i AS ordinal, CAST(floor(random() * {keys}) AS BIGINT) + 1 AS warehouse_id, TIMESTAMP '2026-01-01' + to_seconds(CAST(floor(random() * 2592000) AS BIGINT)) AS event_timestamp, " +
            $"CAST(random() < 0.1 AS INTEGER) AS label FROM range({entityRows}) t(i)) TO '{work}/data/entities.parquet' (FORMAT parquet)");
        command.ExecuteNonQuery();
    }

    private static Task Duck(LadleEngine engine, string sql)
    {
        using var connection = engine.Store.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
        return Task.CompletedTask;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
