using System.Globalization;
using Ladle.Engine;
using Ladle.Engine.Store;

namespace Ladle.Bench;

/// <summary>
/// Exports the demo orders table as CSV and Parquet through Ladle's REST API (over loopback, written to a
/// file by the client) and with DuckDB's own COPY … TO a file, in the same run; prints rows/s and the ratio.
/// </summary>
internal static class ExportBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var orders = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        await using var engine = await BenchProject.PrepareAsync("export", orders, ["orders"]);
        var version = engine.Catalog.Current("orders")!.Version;
        var table = DuckDbStore.VersionTable("orders", version);
        var rows = (await engine.State.ListVersionsAsync("orders", 1, CancellationToken.None))[0].RowCount!.Value;
        var work = Path.GetDirectoryName(engine.Project.StatePath)!;
        Console.WriteLine($"orders: {rows:N0} rows, version {version}");

        var (app, http) = await BenchProject.ServeAsync(engine, dev: true);
        await using var appScope = app;
        using var httpScope = http;

        Console.WriteLine();
        Console.WriteLine($"{"format",-8} {"Ladle REST rows/s",18} {"DuckDB COPY rows/s",19} {"Ladle/DuckDB time",18}");
        foreach (var format in new[] { "csv", "parquet" })
        {
            var output = Path.Combine(work, "out." + format);
            var ladle = await BenchProject.BestOfAsync(repeats, async () =>
            {
                using var response = await http.GetAsync($"/api/v1/datasets/orders/rows?format={format}", HttpCompletionOption.ResponseHeadersRead);
                response.EnsureSuccessStatusCode();
                await using var file = File.Create(output);
                await response.Content.CopyToAsync(file);
            });
            var duck = await BenchProject.BestOfAsync(repeats, () =>
            {
                using var connection = engine.Store.Open();
                using var command = connection.CreateCommand();
                // The same file Ladle sends: its CSV and Parquet options are DuckDB's, so the bytes are identical.
                var options = ((Ladle.Engine.Encoders.INativeFormat)Ladle.Engine.Encoders.ResultEncoders.Get(format)).DuckDbCopyOptions;
                command.CommandText = $"COPY (SELECT * FROM {table}) TO '{output}.duckdb' ({options})";
                command.ExecuteNonQuery();
                return Task.CompletedTask;
            });
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{format,-8} {rows / ladle.TotalSeconds,18:N0} {rows / duck.TotalSeconds,19:N0} {ladle.TotalSeconds / duck.TotalSeconds,17:F2}x"));
        }
        Console.WriteLine();
        Console.WriteLine("Goal: Ladle's streamed export within 1.5x of DuckDB's own COPY (ratio ≤ 1.50).");
        return 0;
    }
}
