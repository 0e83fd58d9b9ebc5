using System.Diagnostics;
using System.Globalization;
using DuckDB.NET.Data;
using Ladle.Core.Queries;
using Ladle.Engine;
using Ladle.Engine.Encoders;
using Ladle.Engine.Store;

namespace Ladle.Bench;

/// <summary>
/// Exports the demo orders table as CSV and Parquet and splits the time between DuckDB's writer and the socket.
/// Each round times, alternately: DuckDB's own COPY of the table to a file; DuckDB's COPY of exactly the statement
/// Ladle sends (its projection: declared types, UTC timestamps) to a file; Ladle's native export in-process
/// (the COPY into the named pipe, forwarded and discarded: no HTTP); the REST export over loopback, discarded by
/// the client; and the same with the client writing the file (the figure compared with the goal). Prints the median and the spread (min–max) of each, and the ratios of the medians.
/// </summary>
internal static class ExportBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var orders = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        await using var engine = await BenchProject.PrepareAsync("export", orders, ["orders"]);
        var version = engine.Catalog.Current("orders")!.Version;
        var table = DuckDbStore.VersionTable("orders", version);
        var rows = (await engine.State.ListVersionsAsync("orders", 1, CancellationToken.None))[0].RowCount!.Value;
        var work = Path.GetDirectoryName(engine.Project.StatePath)!;
        var dataset = engine.Project.Datasets.Single(d => d.Name == "orders");
        Console.WriteLine($"orders: {rows:N0} rows, version {version}, {rounds} alternating rounds; load average {LoadAverage()}");

        var (app, http) = await BenchProject.ServeAsync(engine, dev: true);
        await using var appScope = app;
        using var httpScope = http;

        foreach (var name in new[] { "csv", "parquet" })
        {
            var format = (INativeFormat)ResultEncoders.Get(name);
            var output = Path.Combine(work, "out." + name);
            string projected;
            await using (var probe = await engine.TryOpenNativeExportAsync(dataset, new RowsQuery { Dataset = "orders" }, CancellationToken.None)
                ?? throw new InvalidOperationException("no native export here"))
                projected = probe.CopySql(format, output + ".projected");

            var steps = new (string Name, Func<Task> Run)[]
            {
                ("DuckDB COPY table -> file", () => Duck(engine, $"COPY (SELECT * FROM {table}) TO '{output}.duckdb' ({format.DuckDbCopyOptions})")),
                ("DuckDB COPY Ladle's SQL -> file", () => Duck(engine, projected)),
                ("Ladle in-process, FIFO -> null", async () =>
                {
                    await using var export = (await engine.TryOpenNativeExportAsync(dataset, new RowsQuery { Dataset = "orders" }, CancellationToken.None))!;
                    await export.CopyToAsync(format, Stream.Null, CancellationToken.None);
                }),
                ("Ladle REST over loopback -> null", async () =>
                {
                    using var response = await http.GetAsync($"/api/v1/datasets/orders/rows?format={name}", HttpCompletionOption.ResponseHeadersRead);
                    response.EnsureSuccessStatusCode();
                    await response.Content.CopyToAsync(Stream.Null);
                }),
                ("Ladle REST over loopback -> file", async () =>
                {
                    using var response = await http.GetAsync($"/api/v1/datasets/orders/rows?format={name}", HttpCompletionOption.ResponseHeadersRead);
                    response.EnsureSuccessStatusCode();
                    await using var file = File.Create(output);
                    await response.Content.CopyToAsync(file);
                }),
            };
            foreach (var step in steps) await step.Run(); // warm-up
            var times = steps.Select(_ => new List<double>()).ToArray();
            for (var round = 0; round < rounds; round++)
                for (var i = 0; i < steps.Length; i++)
                {
                    // Alternate the order each round so no step always runs right after the same neighbour.
                    var s = round % 2 == 0 ? i : steps.Length - 1 - i;
                    var clock = Stopwatch.StartNew();
                    await steps[s].Run();
                    times[s].Add(clock.Elapsed.TotalMilliseconds);
                }

            Console.WriteLine();
            Console.WriteLine($"{name}: {new FileInfo(output).Length:N0} bytes");
            Console.WriteLine($"  {"step",-34} {"median ms",10} {"min–max ms",16} {"/ DuckDB",9}");
            var duck = Median(times[0]);
            for (var i = 0; i < steps.Length; i++)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {steps[i].Name,-34} {Median(times[i]),10:F0} {$"{times[i].Min():F0}–{times[i].Max():F0}",16} {Median(times[i]) / duck,8:F2}x"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  REST / DuckDB COPY: {Median(times[^1]) / duck:F2}x (rows/s {rows / Median(times[^1]) * 1000:N0} against {rows / duck * 1000:N0})"));
        }
        Console.WriteLine();
        Console.WriteLine($"Goal: Ladle's streamed export within 1.2x of DuckDB's own COPY (median of the rounds). Load average now {LoadAverage()}.");
        return 0;
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
