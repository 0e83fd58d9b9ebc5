using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ladle.Engine.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Ladle.Server.Tests.Features.Online;

/// <summary>
/// Online serving against the offline answer at now, over real HTTP: on random data with both backends (the skew
/// report finds nothing), skew that is there (found and shown), freshness on /metrics and as a check.
/// </summary>
public sealed class OnlineConsistencyTests(RedisServer redis, ITestOutputHelper output) : IClassFixture<RedisServer>
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("memory")]
    [InlineData("redis")]
    public async Task Online_lookups_and_skew_report_agree_with_a_training_set_at_now_on_random_data(string backend)
    {
        var seed = Environment.GetEnvironmentVariable("LADLE_TEST_SEED") is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : Random.Shared.Next();
        output.WriteLine($"seed {seed} (rerun with LADLE_TEST_SEED={seed})");
        var reference = new FeatureReference(seed, readings: 2000, entities: 10);
        var clock = new FakeTimeProvider(FeatureReference.Base.AddDays(2).AddHours(3).AddMinutes(7));
        var env = "LADLE_TEST_REDIS_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(env, redis.Configuration);
        await using var server = await LoopbackServer.StartAsync(root =>
        {
            LoopbackServer.File(root, "ladle.yaml", "name: factory\nsources:\n  files:\n    kind: files\n    path: data\n" +
                (backend == "redis" ? $"features:\n  online: {{ kind: redis, connection_env: {env}, key_prefix: 'test:{env}:' }}\n" : ""));
            LoopbackServer.File(root, "data/readings.csv", reference.ReadingsCsv());
            LoopbackServer.File(root, "datasets/readings.yaml", FeatureReference.DatasetYaml);
            LoopbackServer.File(root, "features/climate.yaml", FeatureReference.FeaturesYaml);
        }, clock: clock);
        Assert.Equal(backend, server.Services.GetRequiredService<OnlineFeatureStore>().Backend.Kind);
        var warehouses = Enumerable.Range(0, 22).Select(w => (long)w).ToList();

        foreach (var step in new[] { TimeSpan.Zero, TimeSpan.FromHours(4), TimeSpan.FromDays(3) })
        {
            clock.Advance(step);
            var now = clock.GetUtcNow().UtcDateTime;
            var online = await PointInTimeReferenceTests.OnlineAsync(server, warehouses);
            var offline = await PointInTimeReferenceTests.TrainingSetAsync(server, warehouses.Select(w => ((long?)w, now, (int?)null)).ToList());
            for (var i = 0; i < warehouses.Count; i++)
                foreach (var name in new[] { "temperature", "humidity_pct", "temp_any" })
                    Assert.True(JsonElement.DeepEquals(online[i].GetProperty("features").GetProperty(name).GetProperty("value"), offline[i].GetProperty(name)),
                        $"seed {seed}, warehouse {warehouses[i]} at {now:O}: {name} online {online[i]} vs offline {offline[i]}");

            var skew = await GetJsonAsync(server, "/api/v1/features/climate/skew");
            Assert.True(skew.GetProperty("features_differing").GetInt64() == 0, $"seed {seed}: {skew}");
            Assert.Equal(backend, skew.GetProperty("online_store").GetString());
            Assert.Equal(reference.Readings.Where(r => r.Warehouse is not null && r.Event is not null).Select(r => r.Warehouse).Distinct().Count(),
                skew.GetProperty("entities_compared").GetInt64());

            // Windowed features are compared too: each as an online lookup computes it now, against the offline answer.
            var windows = await GetJsonAsync(server, "/api/v1/features/climate_windows/skew");
            Assert.True(windows.GetProperty("features_differing").GetInt64() == 0, $"seed {seed}: {windows}");
            Assert.Equal(windows.GetProperty("entities_compared").GetInt64() * 8, windows.GetProperty("features_compared").GetInt64());
        }
    }

    [Fact]
    public async Task Lookups_rebuild_the_redis_store_when_it_lost_what_was_published()
    {
        var env = "LADLE_TEST_REDIS_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(env, redis.Configuration);
        await using var server = await LoopbackServer.StartAsync(root =>
        {
            WriteProject(root, "row_id,warehouse_id,read_at,known_at,temperature\n1,1,2026-03-01 10:00:00,2026-03-01 10:00:00,21.5\n", "climate", "");
            LoopbackServer.File(root, "ladle.yaml", "name: factory\nsources:\n  files:\n    kind: files\n    path: data\n" +
                $"features:\n  online: {{ kind: redis, connection_env: {env}, key_prefix: 'test:{env}:' }}\n");
        }, clock: new FakeTimeProvider(Now));
        Assert.Equal("present", await StatusAsync());

        // The Redis server restarts empty (no persistence): the next lookup finds nothing there and builds it again.
        using (var flush = System.Diagnostics.Process.Start("redis-cli", ["-p", redis.Port.ToString(CultureInfo.InvariantCulture), "FLUSHALL"])!)
            await flush.WaitForExitAsync();
        Assert.Equal("present", await StatusAsync());

        async Task<string?> StatusAsync()
        {
            using var response = await server.Http.PostAsJsonAsync("/api/v1/features/online", new { features = new[] { "climate.temperature" }, entities = new { warehouse_id = new[] { 1 } } });
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.True(response.IsSuccessStatusCode, body.ToString());
            return body.GetProperty("entities")[0].GetProperty("features").GetProperty("temperature").GetProperty("status").GetString();
        }
    }

    [Fact]
    public async Task Skew_report_shows_what_online_serves_differently_from_the_offline_answer()
    {
        await using var server = await StartAsync("""
            row_id,warehouse_id,read_at,known_at,temperature
            1,1,2026-03-01 10:00:00,2026-03-01 10:00:00,21.5
            2,2,2026-03-01 10:00:00,2026-03-01 10:00:00,30
            3,3,2026-02-20 10:00:00,2026-02-20 10:00:00,5
            """);
        var clean = await GetJsonAsync(server, "/api/v1/features/climate/skew");
        Assert.Equal(3, clean.GetProperty("entities_compared").GetInt64());
        Assert.Equal(0, clean.GetProperty("entities_differing").GetInt64());

        // Another writer (a node with other data, say) made a newer version current in the online store:
        // warehouse 1's value differs at the same event time and warehouse 2 has a newer event.
        var online = server.Services.GetRequiredService<OnlineFeatureStore>();
        var view = server.Engine.Project.Features.FindView("climate")!;
        var built = online.Build(view, server.Engine.Catalog.Current("readings")!, Now.UtcDateTime);
        var altered = built.ToDictionary(e => e.Key, e => e.Key switch
        {
            "1" => new OnlineEntry([e.Value.Rows[0] with { Values = [99.0] }]),
            "2" => new OnlineEntry([e.Value.Rows[0] with { Event = e.Value.Rows[0].Event.AddHours(1), Created = e.Value.Rows[0].Created.AddHours(1), Values = [31.0] }]),
            _ => e.Value,
        }, StringComparer.Ordinal);
        await online.Backend.PublishAsync("climate", 1000, altered, CancellationToken.None);

        var skew = await GetJsonAsync(server, "/api/v1/features/climate/skew");
        Assert.Equal(1000, skew.GetProperty("online_version").GetInt64());
        Assert.Equal(2, skew.GetProperty("entities_differing").GetInt64());
        Assert.Equal(3, skew.GetProperty("online_entities").GetInt64());
        var differences = skew.GetProperty("differences").EnumerateArray().ToDictionary(d => d.GetProperty("key").GetProperty("warehouse_id").GetInt64());
        Assert.Equal(99.0, differences[1].GetProperty("online").GetProperty("value").GetDouble());
        Assert.Equal(21.5, differences[1].GetProperty("offline").GetProperty("value").GetDouble());
        Assert.Equal("2026-03-01T11:00:00Z", differences[2].GetProperty("online").GetProperty("event_timestamp").GetString());
        Assert.Equal(31.0, differences[2].GetProperty("online").GetProperty("value").GetDouble());
        Assert.Equal("2026-03-01T10:00:00Z", differences[2].GetProperty("offline").GetProperty("event_timestamp").GetString());

        var sampled = await GetJsonAsync(server, "/api/v1/features/climate/skew?sample=2");
        Assert.Equal(2, sampled.GetProperty("entities_compared").GetInt64());
        Assert.Equal(JsonValueKind.Null, sampled.GetProperty("offline_entities").ValueKind);
        Assert.True(sampled.GetProperty("sampled").GetBoolean());

        using (var bad = await server.Http.GetAsync("/api/v1/features/climate/skew?sample=none"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("sample must be 'all' or a whole number", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var unknown = await server.Http.GetAsync("/api/v1/features/climat/skew"))
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Freshness_of_each_view_is_on_metrics_and_moves_with_the_clock_and_late_rows()
    {
        var clock = new FakeTimeProvider(Now);
        await using var server = await StartAsync("""
            row_id,warehouse_id,read_at,known_at,temperature
            1,1,2026-03-01 10:00:00,2026-03-01 10:00:00,21.5
            2,2,2026-03-01 23:00:00,2026-03-02 02:00:00,30
            """, clock, view: "fresh_probe");
        await server.Services.GetRequiredService<OnlineFeatureStore>().EnsureCurrentAsync(server.Engine.Project.Features.FindView("fresh_probe")!, CancellationToken.None);

        // Now (00:00) the newest event known is 10:00 the day before; the 23:00 reading is known only from 02:00.
        Assert.Equal(14 * 3600, await FreshnessAsync(server));
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(15 * 3600, await FreshnessAsync(server));
        clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(4 * 3600, await FreshnessAsync(server));
    }

    [Fact]
    public async Task Freshness_check_of_a_feature_view_fails_when_its_newest_known_event_is_too_old()
    {
        // Checks run on the real clock: the data is placed around it.
        var now = DateTime.UtcNow;
        string At(TimeSpan offset) => (now + offset).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        await using var server = await StartAsync($"""
            row_id,warehouse_id,read_at,known_at,temperature
            1,1,{At(TimeSpan.FromHours(-3))},{At(TimeSpan.FromHours(-3))},21.5
            2,2,{At(TimeSpan.FromMinutes(-10))},{At(TimeSpan.FromDays(1))},30
            """, checks: """
            checks:
              - { name: fresh_hour, type: freshness, feature_view: climate, max_age: 1h, severity: warn }
              - { name: fresh_day, type: freshness, feature_view: climate, max_age: 1d }
            """);

        var checks = await GetJsonAsync(server, "/api/v1/datasets/readings/checks");
        var byName = checks.GetProperty("results").EnumerateArray().ToDictionary(c => c.GetProperty("check").GetString()!);
        // The reading of 10 minutes ago is not known yet (known_at is tomorrow): the newest known is 3 hours old.
        Assert.Equal("failed", byName["fresh_hour"].GetProperty("outcome").GetString());
        Assert.Contains("newest event of feature view 'climate' is 3h", byName["fresh_hour"].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("passed", byName["fresh_day"].GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Freshness_check_naming_an_unknown_view_or_a_view_of_another_dataset_is_refused_at_load()
    {
        var root = Path.Combine(Path.GetTempPath(), "ladle-fresh-" + Guid.NewGuid().ToString("N"));
        WriteProject(root, "row_id,warehouse_id,read_at,known_at,temperature\n", "climate",
            "checks:\n  - { type: freshness, feature_view: climat, max_age: 1h }\n  - { type: freshness, feature_view: climate, column: read_at, max_age: 1h }\n");
        var error = Assert.Throws<Ladle.Core.Errors.ProjectValidationException>(() => Ladle.Core.Loading.ProjectLoader.Load(root));
        Assert.Contains("names no feature view 'climat'", error.Message, StringComparison.Ordinal);
        Assert.Contains("did you mean 'climate'", error.Message, StringComparison.Ordinal);
        Assert.Contains("either a 'column' or a 'feature_view'", error.Message, StringComparison.Ordinal);
        Assert.Contains("readings.yaml:", error.Message, StringComparison.Ordinal);
        await Task.CompletedTask;
    }

    private static async Task<double> FreshnessAsync(LoopbackServer server)
    {
        var text = await server.Http.GetStringAsync("/metrics");
        var line = text.Split('\n').Single(l => l.StartsWith("ladle_feature_freshness_seconds{view=\"fresh_probe\"}", StringComparison.Ordinal));
        return double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }

    private static async Task<JsonElement> GetJsonAsync(LoopbackServer server, string path)
    {
        using var response = await server.Http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static void WriteProject(string root, string csv, string view, string checks)
    {
        LoopbackServer.File(root, "ladle.yaml", "name: factory\nsources:\n  files:\n    kind: files\n    path: data\n");
        LoopbackServer.File(root, "data/readings.csv", csv.Replace("\r", "", StringComparison.Ordinal));
        LoopbackServer.File(root, "datasets/readings.yaml", """
            name: readings
            domain: factory
            source: files
            table: readings.csv
            materialization: table
            primary_key: [row_id]
            columns:
              - { name: row_id, type: integer }
              - { name: warehouse_id, type: integer }
              - { name: read_at, type: timestamp }
              - { name: known_at, type: timestamp }
              - { name: temperature, type: double }

            """ + checks);
        LoopbackServer.File(root, "features/climate.yaml", $"""
            feature_views:
              - name: {view}
                dataset: readings
                entities: [warehouse_id]
                event_timestamp: read_at
                created_timestamp: known_at
                ttl: 7d
                features: [temperature]
            """);
    }

    private static Task<LoopbackServer> StartAsync(string csv, TimeProvider? clock = null, string view = "climate", string checks = "") =>
        LoopbackServer.StartAsync(root => WriteProject(root, csv, view, checks), clock: clock ?? new FakeTimeProvider(Now));
}
