using System.Diagnostics;
using System.Globalization;
using System.Net;
using Ladle.Core.Semantic.Queries;
using Ladle.Engine;
using Ladle.Engine.Store;
using Ladle.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ladle.Bench;

/// <summary>
/// Revenue by region by month over the demo's orders: (a) computed by Ladle with the cache (and rollups) out of
/// the way, against the same question hand-written in DuckDB SQL on the same published table, in the same run;
/// (b) the same query through HTTP answered from the cache, under concurrent clients on loopback.
/// </summary>
internal static class MetricsBenchmark
{
    private const string Url = "/api/v1/metrics/query?metrics=revenue&dimensions=region&granularity=month";

    public static async Task<int> RunAsync(string[] args)
    {
        var orders = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        var clients = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 32;
        var seconds = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 10;
        await using var engine = await BenchProject.PrepareAsync("metrics", orders, ["orders"]);
        var version = engine.Catalog.Current("orders")!.Version;
        var rows = (await engine.State.ListVersionsAsync("orders", 1, CancellationToken.None))[0].RowCount!.Value;
        Console.WriteLine($"orders: {rows:N0} rows, version {version}; the demo cuts months in Europe/Berlin");
        Console.WriteLine();

        var query = new MetricQuery { Metrics = ["revenue"], Dimensions = ["region"], Granularity = "month" };
        var handWritten = $"""
            SELECT region, CAST(date_trunc('month', timezone('Europe/Berlin', ordered_at AT TIME ZONE 'UTC')) AS DATE) AS month, sum(amount) AS revenue
            FROM {DuckDbStore.VersionTable("orders", version)}
            WHERE status = 'completed'
            GROUP BY 1, 2 ORDER BY 2, 1
            """;

        long ladleRows = 0, duckRows = 0;
        var raw = await BenchProject.BestOfAsync(repeats, async () => ladleRows = await LadleOnceAsync(engine, query, useRollups: false));
        var rollup = await BenchProject.BestOfAsync(repeats, async () => await LadleOnceAsync(engine, query, useRollups: true));
        var duck = await BenchProject.BestOfAsync(repeats, () =>
        {
            using var connection = engine.Store.Open();
            using var command = connection.CreateCommand();
            command.CommandText = handWritten;
            using var reader = command.ExecuteReader();
            duckRows = 0;
            while (reader.Read()) duckRows++;
            return Task.CompletedTask;
        });
        if (ladleRows != duckRows) throw new InvalidOperationException($"Ladle answered {ladleRows} rows, the hand-written SQL {duckRows}");
        var compile = CompileTime(engine, query);

        Console.WriteLine("(a) revenue by region by month, cache missing (best of " + repeats.ToString(CultureInfo.InvariantCulture) + ")");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    hand-written SQL in DuckDB      {duck.TotalMilliseconds,9:F1} ms   ({duckRows} rows)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    Ladle, from the rows            {raw.TotalMilliseconds,9:F1} ms   ratio {raw.TotalMilliseconds / duck.TotalMilliseconds:F2}x (goal <= 1.20x)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    Ladle, from rollup orders_daily {rollup.TotalMilliseconds,9:F1} ms   ratio {rollup.TotalMilliseconds / duck.TotalMilliseconds:F2}x"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    of which planning and compiling  {compile.TotalMilliseconds,8:F3} ms"));
        Console.WriteLine();

        await using var app = LadleServer.Build(engine, new LadleServerOptions { Http = "127.0.0.1:0", Dev = true },
            logging => logging.SetMinimumLevel(LogLevel.Warning));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = clients, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(address) };
        using (var warm = await http.GetAsync(Url)) warm.EnsureSuccessStatusCode();
        var hitsBefore = engine.Semantic.Cache.Hits;

        // Warm-up: JIT, connection pool, thread pool.
        await LoadAsync(http, clients, TimeSpan.FromSeconds(2));
        var (latencies, elapsed) = await LoadAsync(http, clients, TimeSpan.FromSeconds(seconds));
        latencies.Sort();
        double Percentile(double p) => latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p * latencies.Count) - 1)];
        Console.WriteLine($"(b) the same query over HTTP, answered from the cache: {clients} concurrent clients on loopback for {seconds} s (load generator in this process)");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"    {latencies.Count:N0} requests, {latencies.Count / elapsed.TotalSeconds:N0}/s; p50 {Percentile(0.50):F2} ms, p90 {Percentile(0.90):F2} ms, p99 {Percentile(0.99):F2} ms, max {latencies[^1]:F2} ms (goal: p99 < 5 ms)"));
        Console.WriteLine($"    cache hits during the run: {engine.Semantic.Cache.Hits - hitsBefore:N0}; queries run: {engine.Semantic.QueriesRun:N0}");
        await WrkAsync(address, clients, seconds);
        return 0;
    }

    /// <summary>
    /// The same load from wrk (apt-get install wrk), a load generator in C that leaves the cores to the server;
    /// skipped with a note when it is not installed.
    /// </summary>
    private static async Task WrkAsync(string address, int clients, int seconds)
    {
        var wrk = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "wrk")).FirstOrDefault(File.Exists);
        if (wrk is null)
        {
            Console.WriteLine("    (wrk is not installed: 'apt-get install wrk' adds the same load from a C load generator)");
            return;
        }
        var start = new ProcessStartInfo(wrk, ["-t", "1", "-c", clients.ToString(CultureInfo.InvariantCulture), "-d", $"{seconds}s", "--latency", address.TrimEnd('/') + Url])
        {
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Console.WriteLine($"(b) with wrk: {clients} connections, 1 thread, {seconds} s");
        foreach (var line in output.Split('\n').Where(l => l.Contains('%') && l.TrimStart().Length > 0 && char.IsDigit(l.TrimStart()[0]) || l.Contains("Requests/sec", StringComparison.Ordinal) || l.Contains("requests in", StringComparison.Ordinal)))
            Console.WriteLine("    " + line.Trim());
    }

    private static async Task<long> LadleOnceAsync(LadleEngine engine, MetricQuery query, bool useRollups)
    {
        engine.Semantic.Cache.Clear();
        await using var execution = engine.Semantic.Open(engine.Semantic.Plan(query), useRollups: useRollups);
        if ((execution.AnsweredBy == "query") != !useRollups) throw new InvalidOperationException($"expected {(useRollups ? "the rollup" : "the rows")} to answer, got {execution.AnsweredBy}");
        await using var result = await execution.ReadAsync(CancellationToken.None);
        while (await result.ReadAsync(CancellationToken.None) is not null) { }
        return result.RowsRead;
    }

    private static TimeSpan CompileTime(LadleEngine engine, MetricQuery query)
    {
        const int n = 200;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
        {
            var plan = engine.Semantic.Plan(query);
            engine.Semantic.Open(plan).DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        return clock.Elapsed / n;
    }

    private static async Task<(List<double> Latencies, TimeSpan Elapsed)> LoadAsync(HttpClient http, int clients, TimeSpan duration)
    {
        var all = new List<double>();
        var stop = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            var mine = new List<double>(100_000);
            var buffer = new byte[64 * 1024];
            while (stop.Elapsed < duration)
            {
                var start = Stopwatch.GetTimestamp();
                using var response = await http.GetAsync(Url, HttpCompletionOption.ResponseHeadersRead);
                if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"HTTP {(int)response.StatusCode}");
                await using var body = await response.Content.ReadAsStreamAsync();
                while (await body.ReadAsync(buffer) > 0) { }
                mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
            return mine;
        })).ToList();
        foreach (var worker in workers) all.AddRange(await worker);
        return (all, stop.Elapsed);
    }
}
