using System.Text.Json;

namespace Ladle.Streams.Tests;

/// <summary>Streams over real HTTP on loopback, with their log and store on disk and a fake clock for the idle timeout.</summary>
public sealed class StreamsApiTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Bad_events_are_answered_with_their_line_and_reason_and_the_good_ones_accepted()
    {
        await using var server = await new StreamServer().StartAsync();
        var (status, body) = await server.PostAsync("""
            {"household":"h1","at":"2026-03-01T12:00:05Z","kwh":1.5}
            {"household":"h1","at":"yesterday","kwh":1}
            not json

            {"household":"h2","at":"2026-03-01T12:00:06Z","kwh":"lots"}
            {"at":"2026-03-01T12:00:07Z","kwh":1}
            {"household":"h3","at":1772366408000,"kwh":2,"volts":230}
            {"household":"h3","at":1772366408000,"kwh":null}
            """);
        Assert.Equal(200, status);
        Assert.Equal(2, body.GetProperty("accepted").GetInt64());
        Assert.Equal(5, body.GetProperty("rejected").GetInt64());
        var errors = body.GetProperty("errors").EnumerateArray().ToDictionary(e => e.GetProperty("line").GetInt64(), e => e.GetProperty("reason").GetString()!);
        Assert.Equal([2L, 3, 5, 6, 7], errors.Keys.Order());
        Assert.StartsWith("column 'at' is not a timestamp", errors[2]);
        Assert.StartsWith("not valid JSON", errors[3]);
        Assert.StartsWith("column 'kwh' is not a double", errors[5]);
        Assert.StartsWith("column 'household' is missing or null; it is the stream's key", errors[6]);
        Assert.StartsWith("'volts' is not a column of stream 'readings'", errors[7]);
        // Reasons name columns, never the values sent.
        Assert.DoesNotContain(errors.Values, r => r.Contains("yesterday", StringComparison.Ordinal) || r.Contains("lots", StringComparison.Ordinal));

        // A batch of nothing but bad events is a 400 problem with the same errors.
        (status, body) = await server.PostAsync("[{\"household\":\"h1\"},\n 42]");
        Assert.Equal(400, status);
        Assert.Equal("https://ladle.dev/problems/invalid-events", body.GetProperty("type").GetString());
        var lines = body.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("line").GetInt64()).ToList();
        Assert.Equal([1L, 2], lines);

        var figures = await server.StatusAsync();
        Assert.Equal(2, figures.GetProperty("accepted").GetInt64());
        Assert.Equal(7, figures.GetProperty("rejected").GetInt64());

        // Each batch is in the audit with what became of its events (rows: the accepted ones).
        var audit = await server.AuditAsync("stream:readings");
        Assert.Equal([("accepted=0 rejected=2 late=0", 0L, "invalid-request"), ("accepted=2 rejected=5 late=0", 2L, "ok")],
            audit.Select(e => (e.GetProperty("filters").GetString(), e.GetProperty("rows").GetInt64(), e.GetProperty("status").GetString())).Order());
        Assert.All(audit, e => Assert.Equal("rest", e.GetProperty("interface").GetString()));
    }

    [Fact]
    public async Task A_stream_that_refuses_bad_batches_accepts_nothing_of_one()
    {
        await using var server = await new StreamServer(StreamServer.DefaultStream + "\nbad_events: refuse_batch\n").StartAsync();
        var (status, body) = await server.PostAsync("""
            {"household":"h1","at":"2026-03-01T12:00:05Z","kwh":1.5}
            {"household":"h1","at":"2026-03-01T12:00:06Z","kwh":true}
            """);
        Assert.Equal(400, status);
        Assert.Equal(0, body.GetProperty("accepted").GetInt64());
        Assert.Equal(2, Assert.Single(body.GetProperty("errors").EnumerateArray()).GetProperty("line").GetInt64());
        Assert.Equal(0, (await server.StatusAsync()).GetProperty("accepted").GetInt64());
    }

    [Fact]
    public async Task Only_a_token_with_write_on_the_stream_may_send_events()
    {
        await using var server = await new StreamServer(access: """
            roles:
              sender:
                grants:
                  - { actions: [write], streams: [readings] }
              reader:
                grants:
                  - { actions: [read], datasets: [energy_windows] }
            principals:
              meter: { kind: service, roles: [sender] }
              viewer: { roles: [reader] }
              outsider: { roles: [reader] }
            """).StartAsync(dev: false);
        using var meter = server.Client(await server.TokenAsync("meter"));
        using var viewer = server.Client(await server.TokenAsync("viewer"));
        var one = """{"household":"h1","at":"2026-03-01T12:00:05Z","kwh":1}""";
        Assert.Equal(200, (await StreamServer.PostAsync(meter, one)).Status);
        var (status, body) = await StreamServer.PostAsync(viewer, one);
        Assert.Equal(403, status);
        Assert.Contains("may not write stream 'readings'", body.GetProperty("detail").GetString());
        Assert.Equal(404, (await StreamServer.PostAsync(meter, one, stream: "nope")).Status);
        Assert.Equal(401, (await StreamServer.PostAsync(server.Http, one)).Status);
    }

    [Fact]
    public async Task The_idle_timeout_closes_every_window_with_no_further_input()
    {
        await using var server = await new StreamServer().StartAsync();
        var (status, _) = await server.PostAsync(StreamServer.Ndjson([
            new Reading("h1", T0.AddSeconds(5), 1.0),
            new Reading("h1", T0.AddSeconds(30), 2.0),
            new Reading("h2", T0.AddSeconds(40), 4.0),
            new Reading("h1", T0.AddSeconds(75), 8.0),
        ]));
        Assert.Equal(200, status);
        // The last event moved the watermark to 12:01:05: the first minute closed, for both households.
        await server.WaitPublishedAsync(2);
        Assert.Equal(1, (await server.StatusAsync()).GetProperty("open_windows").GetInt32());

        // Nothing more arrives: once idle, event time moves on with the clock, so [12:01, 12:02) closes by its end
        // plus the lateness (12:02:10), 55 s after the last event, with no input at all.
        server.Clock.Advance(TimeSpan.FromSeconds(54));
        Assert.Equal(1, (await server.StatusAsync()).GetProperty("open_windows").GetInt32());
        server.Clock.Advance(TimeSpan.FromSeconds(2));
        await server.WaitPublishedAsync(3);

        var rows = await server.WindowsAsync();
        Assert.Equal(3, rows.Count);
        Assert.Equal(("h1", "2026-03-01T12:00:00Z", 2L, 3.0), Row(rows[0]));
        Assert.Equal(("h2", "2026-03-01T12:00:00Z", 1L, 4.0), Row(rows[1]));
        Assert.Equal(("h1", "2026-03-01T12:01:00Z", 1L, 8.0), Row(rows[2]));
        Assert.Equal([1L, 2, 3], rows.Select(r => r.GetProperty("seq").GetInt64()));
        Assert.Equal(0, (await server.StatusAsync()).GetProperty("open_windows").GetInt32());
    }

    [Fact]
    public async Task Each_publication_is_a_cut_of_the_windows_table_and_older_versions_still_read_as_they_were()
    {
        await using var server = await new StreamServer(StreamServer.DefaultStream + "\nretain_versions: 3\n").StartAsync();
        var versions = new List<(long Version, int Windows)>();
        for (var minute = 0; minute <= 3; minute++)
        {
            // Events 20 s into each minute: the watermark (10 s lateness) closes the two households' windows of the minute before.
            var (status, _) = await server.PostAsync(StreamServer.Ndjson([
                new Reading("h1", T0.AddMinutes(minute).AddSeconds(20), 1.0),
                new Reading("h2", T0.AddMinutes(minute).AddSeconds(20), 2.0),
            ]));
            Assert.Equal(200, status);
            if (minute == 0) continue;
            await server.WaitPublishedAsync(2 * minute);
            versions.Add((server.Engine.Catalog.Current("energy_windows")!.Version, 2 * minute));
        }

        // Each version reads exactly the windows published in it, though later windows were appended to the same table.
        foreach (var (version, windows) in versions)
        {
            var text = await server.Http.GetStringAsync($"/api/v1/datasets/energy_windows/rows?order=seq&limit=100&version={version}");
            var rows = JsonDocument.Parse(text).RootElement.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("seq").GetInt64()).ToList();
            Assert.Equal(Enumerable.Range(1, windows).Select(i => (long)i), rows);
        }
        // The versions hold no copy of the windows: each is a view of the stream's table up to its last window, with
        // the row count and watermark its appender knew (the first start's empty version went with retain_versions: 3).
        var relations = new Dictionary<string, string>();
        using (var connection = server.Engine.Store.Open())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'ladle_versions' AND table_name LIKE 'energy_windows__v%'";
            using var reader = command.ExecuteReader();
            while (reader.Read()) relations[reader.GetString(0)] = reader.GetString(1);
        }
        Assert.Equal(versions.Select(v => $"energy_windows__v{v.Version}").Order(), relations.Keys.Order());
        Assert.All(relations.Values, kind => Assert.Equal("VIEW", kind));
        var recorded = await server.Engine.State.ListVersionsAsync("energy_windows", 10, CancellationToken.None);
        foreach (var (version, windows) in versions)
        {
            var record = recorded.Single(r => r.Version == version);
            Assert.Equal(windows, record.RowCount);
            Assert.Equal($"2026-03-01 12:0{windows / 2}:00", record.Watermark);
        }
    }

    [Fact]
    public async Task Log_segments_whose_windows_are_published_are_deleted_and_a_restart_still_counts_every_event_once()
    {
        var server = new StreamServer(StreamServer.DefaultStream + "\nlog_segment_size: 64KB\n");
        try
        {
            await server.StartAsync();
            var random = new Random(5);
            var counts = new Dictionary<(string, DateTimeOffset), long>();
            long sentBytes = 0, largestLog = 0;
            for (var minute = 0; minute < 40; minute++)
            {
                // A minute of readings per batch: each closes the windows of the minute before (lateness 10 s).
                var readings = Enumerable.Range(0, 200).Select(i => new Reading("h" + random.Next(20), T0.AddMinutes(minute).AddSeconds(random.Next(60)), 1.0)).ToList();
                var body = StreamServer.Ndjson(readings);
                sentBytes += body.Length;
                var (status, answer) = await server.PostAsync(body);
                Assert.Equal(200, status);
                Assert.Equal(200, answer.GetProperty("accepted").GetInt64());
                foreach (var r in readings)
                    counts[(r.Household, T0.AddMinutes(minute))] = counts.GetValueOrDefault((r.Household, T0.AddMinutes(minute))) + 1;
                if (minute % 5 != 4) continue;
                await server.WaitPublishedAsync((await server.StatusAsync()).GetProperty("windows_emitted").GetInt64());
                // A tick of the stream's timer (well within the idle timeout) deletes the segments replay no longer needs.
                server.Clock.Advance(TimeSpan.FromSeconds(1));
                largestLog = Math.Max(largestLog, (await server.StatusAsync()).GetProperty("log_bytes").GetInt64());
            }
            var folder = Path.Combine(server.Root, ".ladle", "streams", "readings");
            Assert.False(File.Exists(Path.Combine(folder, "00000000000000000000.log")), "the first segment was not deleted");
            // Steady input, bounded log: a few segments of 64 KB (and their snapshots), however much was sent.
            Assert.True(largestLog < 4 * 64 * 1024, $"the log grew to {largestLog} bytes");
            Assert.True(sentBytes > 8 * 64 * 1024, $"only {sentBytes} bytes were sent");
            var before = await server.StatusAsync();
            Assert.True(before.GetProperty("log_segments").GetInt32() <= 3, before.ToString());

            // Replay starts at the oldest segment's snapshot: the same counts, the same open windows, nothing emitted twice.
            await server.StopAsync();
            await server.StartAsync();
            var after = await server.StatusAsync();
            Assert.Equal(before.GetProperty("accepted").GetInt64(), after.GetProperty("accepted").GetInt64());
            Assert.Equal(before.GetProperty("windows_emitted").GetInt64(), after.GetProperty("windows_emitted").GetInt64());
            Assert.Equal(before.GetProperty("open_windows").GetInt32(), after.GetProperty("open_windows").GetInt32());
            server.Clock.Advance(TimeSpan.FromMinutes(5));
            var total = (await server.StatusAsync()).GetProperty("windows_emitted").GetInt64();
            await server.WaitPublishedAsync(total);

            var rows = await server.WindowsAsync();
            Assert.Equal(Enumerable.Range(1, (int)total).Select(i => (long)i), rows.Select(r => r.GetProperty("seq").GetInt64()));
            var windows = rows.ToDictionary(r => (r.GetProperty("household").GetString()!, r.GetProperty("window_start").GetDateTimeOffset()), r => r.GetProperty("events").GetInt64());
            Assert.Equal(counts.OrderBy(c => c.Key).ToList(), windows.OrderBy(w => w.Key).ToList());
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Late_events_go_to_the_side_dataset_once_across_a_restart()
    {
        var server = new StreamServer(StreamServer.DefaultStream + "\nlate: side_dataset\n");
        try
        {
            await server.StartAsync();
            var (status, body) = await server.PostAsync(StreamServer.Ndjson([
                new Reading("h1", T0.AddSeconds(5), 1.0),
                new Reading("h1", T0.AddSeconds(100), 2.0),   // watermark 12:01:30: the first minute is closed
                new Reading("h2", T0.AddSeconds(20), 4.0),    // late
            ]));
            Assert.Equal(200, status);
            Assert.Equal(2, body.GetProperty("accepted").GetInt64());
            Assert.Equal(1, body.GetProperty("late").GetInt64());
            var late = await LateRowsAsync(server, 1);
            Assert.Equal(("h2", "2026-03-01T12:00:20Z", 4.0, 1L), LateRow(Assert.Single(late)));

            // After a restart the log says the same event was late, numbered 1 again: the side dataset holds it once.
            await server.StopAsync();
            await server.StartAsync();
            Assert.Equal(1, (await server.StatusAsync()).GetProperty("late").GetInt64());
            (status, body) = await server.PostAsync(StreamServer.Ndjson([new Reading("h3", T0.AddSeconds(30), 8.0)]));
            Assert.Equal(200, status);
            Assert.Equal(1, body.GetProperty("late").GetInt64());
            late = await LateRowsAsync(server, 2);
            Assert.Equal([("h2", "2026-03-01T12:00:20Z", 4.0, 1L), ("h3", "2026-03-01T12:00:30Z", 8.0, 2L)], late.Select(LateRow));
            // Late events never reach the windows.
            await server.WaitPublishedAsync(1);
            Assert.Equal(("h1", "2026-03-01T12:00:00Z", 1L, 1.0), Row(Assert.Single(await server.WindowsAsync())));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    private static async Task<List<JsonElement>> LateRowsAsync(StreamServer server, long count)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            var status = await server.StatusAsync();
            if (status.TryGetProperty("late_written", out var written) && written.ValueKind == JsonValueKind.Number && written.GetInt64() >= count)
            {
                var text = await server.Http.GetStringAsync("/api/v1/datasets/readings_late/rows?order=late_seq&limit=100");
                var rows = JsonDocument.Parse(text).RootElement.GetProperty("rows").EnumerateArray().Select(r => r.Clone()).ToList();
                if (rows.Count >= count) return rows;
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"late events not published up to {count}: {status}");
            await Task.Delay(20);
        }
    }

    private static (string, string, double, long) LateRow(JsonElement row) =>
        (row.GetProperty("household").GetString()!, row.GetProperty("at").GetDateTimeOffset().ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ"),
         row.GetProperty("kwh").GetDouble(), row.GetProperty("late_seq").GetInt64());

    [Fact]
    public async Task After_a_restart_the_log_is_replayed_and_each_window_is_published_once()
    {
        var server = new StreamServer();
        try
        {
            await server.StartAsync();
            var random = new Random(12);
            var sent = new List<Reading>();
            for (var batch = 0; batch < 6; batch++)
            {
                var readings = Enumerable.Range(0, 200).Select(i =>
                    new Reading("h" + random.Next(20), T0.AddSeconds(batch * 50 + random.Next(60)), Math.Round(random.NextDouble() * 3, 2))).ToList();
                var (status, body) = await server.PostAsync(StreamServer.Ndjson(readings));
                Assert.Equal(200, status);
                Assert.Equal(0, body.GetProperty("rejected").GetInt64());
                sent.AddRange(readings.Take((int)body.GetProperty("accepted").GetInt64() + (int)body.GetProperty("late").GetInt64()));
                if (batch == 2) await server.WaitPublishedAsync(1);
            }
            var before = await server.StatusAsync();
            var accepted = before.GetProperty("accepted").GetInt64();
            var emitted = before.GetProperty("windows_emitted").GetInt64();
            Assert.True(emitted > 0);
            // Stop at once (publication of the last batches may or may not have run), and leave a torn frame at the
            // log's end, as a process killed while writing would.
            await server.StopAsync();
            var segment = Directory.GetFiles(Path.Combine(server.Root, ".ladle", "streams", "readings"), "*.log").Order(StringComparer.Ordinal).Last();
            await File.AppendAllTextAsync(segment, "\u0010\u0000\u0000\u0000\u0001{\"household");

            await server.StartAsync();
            var after = await server.StatusAsync();
            Assert.Equal(accepted, after.GetProperty("accepted").GetInt64());
            Assert.Equal(emitted, after.GetProperty("windows_emitted").GetInt64());
            server.Clock.Advance(TimeSpan.FromMinutes(5));
            var total = (await server.StatusAsync()).GetProperty("windows_emitted").GetInt64();
            await server.WaitPublishedAsync(total);

            var rows = await server.WindowsAsync();
            Assert.Equal(total, rows.Count);
            Assert.Equal(Enumerable.Range(1, (int)total).Select(i => (long)i), rows.Select(r => r.GetProperty("seq").GetInt64()));
            Assert.Equal(rows.Count, rows.Select(r => (r.GetProperty("household").GetString(), r.GetProperty("window_start").GetString())).Distinct().Count());
            // Every accepted event is counted once in the windows.
            Assert.Equal(accepted, rows.Sum(r => r.GetProperty("events").GetInt64()));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_live_subscriber_resuming_with_Last_Event_ID_misses_nothing()
    {
        await using var server = await new StreamServer().StartAsync();
        var first = await SseClient.ConnectAsync(server.Http, "/api/v1/streams/readings/live");
        // Minute 0 for h1..h4, closed by a minute-1 reading of h1.
        await server.PostAsync(StreamServer.Ndjson(Enumerable.Range(1, 4).Select(h => new Reading("h" + h, T0.AddSeconds(h), h))
            .Append(new Reading("h1", T0.AddSeconds(75), 1))));
        var seen = new List<long>();
        for (var i = 0; i < 2; i++)
        {
            var e = await first.NextAsync();
            Assert.Equal("window", e.Type);
            seen.Add(e.Id!.Value);
        }
        await first.DisposeAsync();

        // Windows close while nobody listens.
        await server.PostAsync(StreamServer.Ndjson([new Reading("h2", T0.AddSeconds(80), 2), new Reading("h1", T0.AddSeconds(140), 1)]));
        await server.WaitPublishedAsync(6);

        await using var resumed = await SseClient.ConnectAsync(server.Http, "/api/v1/streams/readings/live", lastEventId: seen[^1]);
        for (var i = 0; i < 4; i++) seen.Add((await resumed.NextAsync()).Id!.Value);
        Assert.Equal([1L, 2, 3, 4, 5, 6], seen);
        var rows = await server.WindowsAsync();
        Assert.Equal(6, rows.Count);
    }

    [Fact]
    public async Task A_live_subscriber_sees_only_the_windows_its_row_filter_admits()
    {
        await using var server = await new StreamServer(access: """
            roles:
              sender:
                grants:
                  - { actions: [write], streams: [readings] }
              household:
                grants:
                  - { actions: [read], datasets: [energy_windows], row_filter: "household = {{ principal.household }}" }
            principals:
              meter: { kind: service, roles: [sender] }
              ana: { roles: [household], attributes: { household: h2 } }
            """).StartAsync(dev: false);
        using var meter = server.Client(await server.TokenAsync("meter"));
        using var ana = server.Client(await server.TokenAsync("ana"));
        await using var live = await SseClient.ConnectAsync(ana, "/api/v1/streams/readings/live");
        await StreamServer.PostAsync(meter, StreamServer.Ndjson(Enumerable.Range(1, 4).Select(h => new Reading("h" + h, T0.AddSeconds(h), h))
            .Append(new Reading("h1", T0.AddSeconds(75), 1))));
        var e = await live.NextAsync();
        using var data = JsonDocument.Parse(e.Data);
        Assert.Equal("h2", data.RootElement.GetProperty("household").GetString());
        Assert.Equal(2.0, data.RootElement.GetProperty("kwh").GetDouble());
        Assert.Equal(e.Id, data.RootElement.GetProperty("seq").GetInt64());
        // The next window she may see comes after h3's and h4's, which she never receives.
        await StreamServer.PostAsync(meter, StreamServer.Ndjson([new Reading("h2", T0.AddSeconds(80), 5), new Reading("h2", T0.AddSeconds(140), 1)]));
        var next = await live.NextAsync();
        using var nextData = JsonDocument.Parse(next.Data);
        Assert.Equal("h2", nextData.RootElement.GetProperty("household").GetString());
        Assert.Equal(5.0, nextData.RootElement.GetProperty("kwh").GetDouble());
        Assert.Equal(404, (int)(await ana.GetAsync("/api/v1/streams/nope/live")).StatusCode);
        // The stream's figures count every household's events: not hers to see; the sender's, who writes them all.
        Assert.Equal(403, (int)(await ana.GetAsync("/api/v1/streams/readings")).StatusCode);
        Assert.Equal("[]", await ana.GetStringAsync("/api/v1/streams"));
        Assert.Equal(200, (int)(await meter.GetAsync("/api/v1/streams/readings")).StatusCode);
    }

    [Fact]
    public async Task A_slow_subscriber_is_dropped_while_another_keeps_up()
    {
        await using var server = await new StreamServer(StreamServer.DefaultStream + "\nsubscriber_buffer: 200\n").StartAsync();
        using var slowHttp = new HttpClient { BaseAddress = server.Http.BaseAddress };
        var slow = await SseClient.ConnectAsync(slowHttp, "/api/v1/streams/readings/live");
        await using var fast = await SseClient.ConnectAsync(server.Http, "/api/v1/streams/readings/live");
        var received = 0L;
        var reading = Task.Run(async () =>
        {
            while (true)
            {
                var e = await fast.NextAsync();
                Assert.Equal(received + 1, e.Id);
                received = e.Id!.Value;
            }
        });
        // Each batch closes the previous minute's window of 1,000 households; the slow subscriber never reads, so once
        // the connection's buffers are full its own buffer stays full through publications.
        long dropped = 0;
        for (var minute = 0; minute < 100 && dropped == 0; minute++)
        {
            var (status, _) = await server.PostAsync(StreamServer.Ndjson(Enumerable.Range(0, 1000).Select(h => new Reading("h" + h, T0.AddMinutes(minute).AddSeconds(11), 1))));
            Assert.Equal(200, status);
            if (minute > 0) await server.WaitPublishedAsync(minute * 1000L);
            dropped = (await server.StatusAsync()).GetProperty("subscribers_dropped").GetInt64();
        }
        Assert.Equal(1, dropped);
        var published = (await server.StatusAsync()).GetProperty("windows_published").GetInt64();
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (Interlocked.Read(ref received) < published && !reading.IsCompleted && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.False(reading.IsFaulted, reading.Exception?.ToString());
        Assert.Equal(published, Interlocked.Read(ref received));
        Assert.Equal(1, (await server.StatusAsync()).GetProperty("subscribers").GetInt32());
        await slow.DisposeAsync();
    }

    [Fact]
    public async Task Stream_figures_are_on_the_metrics_endpoint()
    {
        await using var server = await new StreamServer().StartAsync();
        await server.PostAsync(StreamServer.Ndjson([new Reading("h1", T0.AddSeconds(5), 1), new Reading("h1", T0.AddSeconds(75), 1)]));
        await server.PostAsync(StreamServer.Ndjson([new Reading("h1", T0.AddSeconds(6), 1)]));
        var status = await server.StatusAsync();
        Assert.Equal(1, status.GetProperty("late").GetInt64());
        Assert.Equal("2026-03-01T12:01:05+00:00", status.GetProperty("watermark").GetString());
        var metrics = await server.Http.GetStringAsync("/metrics");
        Assert.Contains("ladle_stream_events_accepted{stream=\"readings\"} 2", metrics);
        Assert.Contains("ladle_stream_events_late{stream=\"readings\"} 1", metrics);
        Assert.Contains("ladle_stream_open_windows{stream=\"readings\"} 1", metrics);
    }

    private static (string, string, long, double) Row(JsonElement row) =>
        (row.GetProperty("household").GetString()!, row.GetProperty("window_start").GetString()!, row.GetProperty("events").GetInt64(), row.GetProperty("kwh").GetDouble());
}
