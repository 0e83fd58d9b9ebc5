using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DuckDB.NET.Data;
using Ladle.Core.Loading;
using Ladle.Engine;

namespace Ladle.Bench;

/// <summary>
/// Streams, over real HTTP on loopback (the server in this process, its log fsync'd per batch):
/// (1) sustained ingest: clients POSTing NDJSON batches of 1,000 events for a while, against appending the same rows,
/// typed already, to a DuckDB table through its appender, a committed append per batch of 1,000, timed alternately
/// round by round in the same run; (2) event-to-SSE latency at a steady 5,000 events/s with one-second tumbling
/// windows: for each window a live subscriber receives, the time from the window's end plus the allowed lateness
/// (the earliest the watermark can pass it) to its arrival. Prints medians with their range and the ratios.
/// </summary>
internal static class StreamsBenchmark
{
    private const int Batch = 1_000;
    private const int Meters = 100;
    private static readonly TimeSpan Lateness = TimeSpan.FromSeconds(1);

    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
        var seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
        var clients = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 4;
        var rate = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 5_000;
        var work = Path.Combine(Path.GetTempPath(), "ladle-bench-streams");
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        Directory.CreateDirectory(Path.Combine(work, "streams"));
        await File.WriteAllTextAsync(Path.Combine(work, "ladle.yaml"), "name: bench_streams\n");
        const string columns = "columns:\n  - { name: meter, type: string }\n  - { name: at, type: timestamp }\n  - { name: kwh, type: double }\nevent_time: at\nkeys: [meter]\n" +
                               "aggregates:\n  - { name: events, function: count }\n  - { name: kwh, function: sum, column: kwh }\n";
        await File.WriteAllTextAsync(Path.Combine(work, "streams", "ingest.yaml"), "name: ingest\n" + columns + "window: { type: tumbling, size: 1m }\nallowed_lateness: 1h\nidle_timeout: 1h\n");
        await File.WriteAllTextAsync(Path.Combine(work, "streams", "latency.yaml"), "name: latency\n" + columns +
            $"window: {{ type: tumbling, size: 1s }}\nallowed_lateness: {(int)Lateness.TotalSeconds}s\nidle_timeout: 1s\nsubscriber_buffer: 100000\n");

        await using var engine = await LadleEngine.OpenAsync(ProjectLoader.Load(work));
        var (app, http) = await BenchProject.ServeAsync(engine, dev: true);
        await using var appScope = app;
        using var httpScope = http;

        Console.WriteLine($"Ingest: {clients} clients POSTing NDJSON batches of {Batch:N0} for {seconds} s, against DuckDB's appender (a committed append per {Batch:N0} rows); {rounds} rounds, alternately.");
        var bodies = Bodies(64);
        var ladle = new List<double>();
        var duck = new List<double>();
        var duckPath = Path.Combine(work, "appender.duckdb");
        for (var round = 0; round < rounds; round++)
        {
            var l = await IngestAsync(http, bodies, clients, TimeSpan.FromSeconds(seconds));
            var d = Appender(duckPath, TimeSpan.FromSeconds(seconds));
            ladle.Add(l);
            duck.Add(d);
            Console.WriteLine($"  round {round + 1}: Ladle {l,12:N0} events/s   DuckDB appender {d,12:N0} rows/s   appender/Ladle {d / l:N1}x");
        }
        Console.WriteLine($"  median: Ladle {Median(ladle):N0} events/s ({ladle.Min():N0}–{ladle.Max():N0}), DuckDB appender {Median(duck):N0} rows/s ({duck.Min():N0}–{duck.Max():N0}); " +
                          $"appender/Ladle {Median(duck) / Median(ladle):N1}x; goal >= 100,000 events/s: {(Median(ladle) >= 100_000 ? "met" : "missed")}");

        Console.WriteLine($"Latency: {rate:N0} events/s over {Meters} meters for {seconds * 2} s, one-second tumbling windows, lateness {Lateness.TotalMilliseconds} ms; window end + lateness to SSE arrival.");
        for (var round = 0; round < rounds; round++)
        {
            var latencies = await LatencyAsync(http, rate, TimeSpan.FromSeconds(seconds * 2));
            latencies.Sort();
            Console.WriteLine(latencies.Count == 0
                ? $"  round {round + 1}: no window arrived"
                : $"  round {round + 1}: {latencies.Count:N0} windows, p50 {Percentile(latencies, 0.50):N1} ms, p99 {Percentile(latencies, 0.99):N1} ms, max {latencies[^1]:N1} ms (goals p50 < 50 ms, p99 < 250 ms)");
        }
        return 0;
    }

    /// <summary>Bodies of 1,000 events each, event times a few minutes apart so the 1-minute windows close now and then.</summary>
    private static List<byte[]> Bodies(int count)
    {
        var start = new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        var bodies = new List<byte[]>(count);
        var random = new Random(7);
        for (var b = 0; b < count; b++)
        {
            var text = new StringBuilder(Batch * 80);
            for (var i = 0; i < Batch; i++)
            {
                var at = start.AddMilliseconds((b * Batch + i) * 5);
                text.Append("{\"meter\":\"m").Append(random.Next(Meters)).Append("\",\"at\":\"").Append(at.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture))
                    .Append("\",\"kwh\":").Append((random.NextDouble() * 3).ToString("0.###", CultureInfo.InvariantCulture)).Append("}\n");
            }
            bodies.Add(Encoding.UTF8.GetBytes(text.ToString()));
        }
        return bodies;
    }

    private static async Task<double> IngestAsync(HttpClient http, List<byte[]> bodies, int clients, TimeSpan duration)
    {
        long accepted = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            for (var i = c; clock.Elapsed < duration; i += clients)
            {
                using var content = new ByteArrayContent(bodies[i % bodies.Count]);
                content.Headers.ContentType = new("application/x-ndjson");
                using var response = await http.PostAsync("/api/v1/streams/ingest/events", content);
                response.EnsureSuccessStatusCode();
                using var answer = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
                Interlocked.Add(ref accepted, answer.RootElement.GetProperty("accepted").GetInt64() + answer.RootElement.GetProperty("late").GetInt64());
            }
        })));
        return accepted / clock.Elapsed.TotalSeconds;
    }

    /// <summary>The reference: the same rows, typed, through DuckDB's appender into a file table, one committed append per batch.</summary>
    private static double Appender(string path, TimeSpan duration)
    {
        if (File.Exists(path)) File.Delete(path);
        if (File.Exists(path + ".wal")) File.Delete(path + ".wal");
        using var connection = new DuckDBConnection($"DataSource={path}");
        connection.Open();
        using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE TABLE events (meter VARCHAR, \"at\" TIMESTAMP, kwh DOUBLE)";
            create.ExecuteNonQuery();
        }
        var random = new Random(7);
        var meters = Enumerable.Range(0, Meters).Select(m => "m" + m.ToString(CultureInfo.InvariantCulture)).ToArray();
        var start = new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        long rows = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            // Closing the appender commits the batch (DuckDB syncs its WAL on commit), as durable as Ladle's answer.
            using (var appender = connection.CreateAppender("events"))
            {
                for (var i = 0; i < Batch; i++, rows++)
                    appender.CreateRow().AppendValue(meters[random.Next(Meters)]).AppendValue(start.AddMilliseconds(rows * 5)).AppendValue(random.NextDouble() * 3).EndRow();
            }
        }
        return rows / clock.Elapsed.TotalSeconds;
    }

    private static async Task<List<double>> LatencyAsync(HttpClient http, int rate, TimeSpan duration)
    {
        var latencies = new List<double>();
        using var stop = new CancellationTokenSource();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/streams/latency/live");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        var warmUntil = DateTime.UtcNow.AddSeconds(3);
        var reader = Task.Run(async () =>
        {
            using var body = new StreamReader(await response.Content.ReadAsStreamAsync());
            try
            {
                while (await body.ReadLineAsync(stop.Token) is { } line)
                {
                    if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
                    var arrived = DateTime.UtcNow;
                    using var window = JsonDocument.Parse(line.AsMemory(6));
                    var end = window.RootElement.GetProperty("window_end").GetDateTime();
                    if (end < warmUntil) continue;
                    latencies.Add((arrived - (end + Lateness)).TotalMilliseconds);
                }
            }
            catch (OperationCanceledException) { }
        });
        // Batches every 10 ms, stamped with the wall clock as they leave: a steady rate, paced, not bursts.
        var perBatch = Math.Max(1, rate / 100);
        var random = new Random(11);
        var clock = Stopwatch.StartNew();
        long sent = 0;
        var text = new StringBuilder();
        while (clock.Elapsed < duration)
        {
            var due = TimeSpan.FromSeconds((double)sent / rate) - clock.Elapsed;
            if (due > TimeSpan.Zero) await Task.Delay(due);
            text.Clear();
            var now = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
            for (var i = 0; i < perBatch; i++)
                text.Append("{\"meter\":\"m").Append(random.Next(Meters)).Append("\",\"at\":\"").Append(now).Append("\",\"kwh\":1.5}\n");
            using var content = new StringContent(text.ToString(), Encoding.UTF8, "application/x-ndjson");
            using var answer = await http.PostAsync("/api/v1/streams/latency/events", content);
            answer.EnsureSuccessStatusCode();
            sent += perBatch;
        }
        // The last windows close by the idle timeout; the latency of those says nothing about a steady stream.
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        await stop.CancelAsync();
        await reader;
        return latencies;
    }

    private static double Median(List<double> values) => Percentile(values.Order().ToList(), 0.5);

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
