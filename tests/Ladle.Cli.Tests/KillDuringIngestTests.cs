using System.Net;
using System.Text;
using System.Text.Json;

namespace Ladle.Cli.Tests;

/// <summary>
/// A real `ladle serve` killed with SIGKILL while clients send events to a stream: after a restart every event it
/// acknowledged is counted exactly once in the published windows (an event whose answer the kill cut off may be
/// counted, at most once), and no window is published twice.
/// </summary>
public sealed class KillDuringIngestTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ladle-kill-ingest-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Every_acknowledged_event_is_counted_once_after_a_kill_during_ingest()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "streams"));
        File.WriteAllText(Path.Combine(_dir, "ladle.yaml"), "name: kill_ingest\n");
        // One window per event (its own key), all ending at 12:01, which the idle timeout closes after a restart
        // (long enough that no lull of a loaded machine closes them while the senders still send).
        File.WriteAllText(Path.Combine(_dir, "streams", "readings.yaml"), """
            name: readings
            columns:
              - { name: meter, type: string }
              - { name: at, type: timestamp }
            event_time: at
            keys: [meter]
            window: { type: tumbling, size: 1m }
            idle_timeout: 10s
            aggregates:
              - { name: events, function: count }
            """);

        var acknowledged = new HashSet<string>();
        var sent = new HashSet<string>();
        var serve = await ServeProcess.StartAsync(_dir);
        var senders = StartSenders(serve, sent, acknowledged, _ => "2026-03-01T12:00:59.5Z");
        var sending = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            lock (acknowledged) if (acknowledged.Count >= 3000) break;
            Assert.True(DateTime.UtcNow < sending && senders.All(s => !s.IsCompleted), $"the senders stopped before 3,000 acknowledged events\n{serve.Output}");
            await Task.Delay(10);
        }
        await KillThenAssertEveryAcknowledgedEventCountedOnceAsync(serve, senders, acknowledged, sent, TimeSpan.FromMinutes(2));
    }

    [Fact]
    public async Task Every_acknowledged_event_is_counted_once_after_a_kill_once_the_log_was_compacted()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "streams"));
        File.WriteAllText(Path.Combine(_dir, "ladle.yaml"), "name: kill_compacted\n");
        // Event time moves on a second per batch, so ten-second windows close and publish while the senders send, and
        // small segments let the log delete the ones whose windows are published: the kill finds a log that starts at
        // a snapshot. One window per event (its own key), so a window counted twice or lost shows.
        File.WriteAllText(Path.Combine(_dir, "streams", "readings.yaml"), """
            name: readings
            columns:
              - { name: meter, type: string }
              - { name: at, type: timestamp }
            event_time: at
            keys: [meter]
            window: { type: tumbling, size: 10s }
            allowed_lateness: 1m
            idle_timeout: 10s
            log_segment_size: 64KB
            aggregates:
              - { name: events, function: count }
            """);

        var acknowledged = new HashSet<string>();
        var sent = new HashSet<string>();
        var start = new DateTime(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);
        long batches = 0;
        var serve = await ServeProcess.StartAsync(_dir);
        var folder = Path.Combine(_dir, ".ladle", "streams", "readings");
        var senders = StartSenders(serve, sent, acknowledged, _ => start.AddSeconds(Interlocked.Increment(ref batches)).ToString("O"));
        var sending = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            // Killed once the first segment is gone and a few thousand events more were acknowledged.
            lock (acknowledged)
                if (acknowledged.Count >= 20_000 && !File.Exists(Path.Combine(folder, "00000000000000000000.log"))) break;
            Assert.True(DateTime.UtcNow < sending && senders.All(s => !s.IsCompleted), $"the log was not compacted while the senders sent\n{serve.Output}");
            await Task.Delay(10);
        }
        await KillThenAssertEveryAcknowledgedEventCountedOnceAsync(serve, senders, acknowledged, sent, TimeSpan.FromMinutes(3));
    }

    /// <summary>
    /// Four clients sending batches of 100 events, each of its own meter, with the event time <paramref name="timeOf"/>
    /// gives a batch, until the server stops answering; <paramref name="acknowledged"/> gets the meters it took.
    /// </summary>
    private static List<Task> StartSenders(ServeProcess serve, HashSet<string> sent, HashSet<string> acknowledged, Func<int, string> timeOf) =>
        Enumerable.Range(0, 4).Select(sender => Task.Run(async () =>
        {
            for (var batch = 0; ; batch++)
            {
                var at = timeOf(batch);
                var meters = Enumerable.Range(0, 100).Select(i => $"s{sender}_b{batch}_m{i}").ToList();
                lock (sent) sent.UnionWith(meters);
                var body = string.Join("\n", meters.Select(m => $$"""{"meter":"{{m}}","at":"{{at}}"}"""));
                try
                {
                    using var response = await serve.Http.PostAsync("/api/v1/streams/readings/events", new StringContent(body, Encoding.UTF8, "application/x-ndjson"));
                    // Until the stream has replayed its log at start, it answers 503: those events were not taken.
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable) { await Task.Delay(20); continue; }
                    if (response.StatusCode != HttpStatusCode.OK) return;
                    using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                    Assert.Equal(100, answer.RootElement.GetProperty("accepted").GetInt64());
                    lock (acknowledged) acknowledged.UnionWith(meters);
                }
                catch (HttpRequestException) { return; }
                catch (TaskCanceledException) { return; }
            }
        })).ToList();

    /// <summary>
    /// Kills the server (SIGKILL) under its senders, restarts it, waits up to <paramref name="wait"/> for every window
    /// to close and publish, and checks that each acknowledged event is counted exactly once (one meter, one window)
    /// and that no window is published twice.
    /// </summary>
    private async Task KillThenAssertEveryAcknowledgedEventCountedOnceAsync(ServeProcess serve, List<Task> senders, HashSet<string> acknowledged, HashSet<string> sent, TimeSpan wait)
    {
        await serve.KillAsync();
        await Task.WhenAll(senders);
        await serve.DisposeAsync();

        await using var restarted = await ServeProcess.StartAsync(_dir);
        JsonElement status;
        var deadline = DateTime.UtcNow + wait;
        do
        {
            await Task.Delay(100);
            Assert.True(DateTime.UtcNow < deadline, $"the windows did not close and publish\n{restarted.Output}");
            // The server may answer before the stream has replayed its log (503 until then).
            using var response = await restarted.Http.GetAsync("/api/v1/streams/readings");
            if (response.StatusCode != HttpStatusCode.OK) { status = default; continue; }
            status = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        }
        while (status.ValueKind != JsonValueKind.Object || status.GetProperty("open_windows").GetInt32() > 0 || status.GetProperty("windows_published").GetInt64() < status.GetProperty("windows_emitted").GetInt64());

        var rows = (await restarted.Http.GetStringAsync("/api/v1/datasets/readings_windows/rows?format=ndjson"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();
        var counted = rows.GroupBy(r => r.GetProperty("meter").GetString()!).ToDictionary(g => g.Key, g => g.Sum(r => r.GetProperty("events").GetInt64()));
        Assert.All(counted, c => Assert.Equal(1, c.Value));
        Assert.All(acknowledged, meter => Assert.True(counted.ContainsKey(meter), $"acknowledged event {meter} is not counted"));
        Assert.All(counted.Keys, meter => Assert.Contains(meter, sent));
        Assert.Equal(rows.Count, rows.Select(r => r.GetProperty("seq").GetInt64()).Distinct().Count());
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
