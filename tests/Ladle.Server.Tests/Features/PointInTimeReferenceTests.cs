using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Ladle.Server.Tests.Features;

/// <summary>
/// The point-in-time definition against a brute force written in the test: training sets over HTTP for thousands of
/// random entity rows, and online answers now (and after the clock moves) for every warehouse, which must also equal
/// a training set asked at now.
/// </summary>
public sealed class PointInTimeReferenceTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-9;

    [Fact]
    public async Task Training_set_equals_brute_force_point_in_time_answer()
    {
        var seed = Environment.GetEnvironmentVariable("LADLE_TEST_SEED") is { } s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : Random.Shared.Next();
        output.WriteLine($"seed {seed} (rerun with LADLE_TEST_SEED={seed})");
        var reference = new FeatureReference(seed, readings: 4000, entities: 3000);
        await using var server = await StartAsync(reference, new FakeTimeProvider(FeatureReference.Base.AddDays(2)));

        var rows = await TrainingSetAsync(server, reference.Entities.Select(e => (e.Warehouse, e.At, (int?)e.Label)).ToList(), "everything");

        Assert.Equal(reference.Entities.Count, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var entity = reference.Entities[i];
            var row = rows[i];
            var why = $"seed {seed}, entity row {i}: warehouse {entity.Warehouse} at {FeatureReference.Iso(entity.At)}";
            Assert.Equal(entity.Label, row.GetProperty("label").GetInt32());
            var live = reference.Live(entity.Warehouse, entity.At);
            AssertNumber(live?.Temperature, row.GetProperty("temperature"), why + " temperature");
            AssertNumber(live?.Humidity * 100, row.GetProperty("humidity_pct"), why + " humidity_pct");
            AssertNumber(reference.Winner(entity.Warehouse, entity.At, useCreated: false)?.Temperature, row.GetProperty("temp_any"), why + " temp_any");
            AssertNumber(live?.Temperature, row.GetProperty("temp_now"), why + " temp_now");
            foreach (var (name, value, _) in reference.Windows(entity.Warehouse, entity.At))
                AssertNumber(value, row.GetProperty(name), why + " " + name);
        }
    }

    /// <summary>
    /// Entity rows' times are read by the cheapest exact form for the type they arrive as: a CSV upload of naive
    /// times (TIMESTAMP, meaning UTC), one of the same instants written with a +05:30 offset (TIMESTAMPTZ) and one
    /// mixing ISO spellings row by row must each answer the brute force at those instants.
    /// </summary>
    [Theory]
    [InlineData("naive")]
    [InlineData("offset")]
    [InlineData("mixed")]
    public async Task Training_set_reads_entity_times_of_every_type_as_the_same_instants(string spelling)
    {
        var seed = Environment.GetEnvironmentVariable("LADLE_TEST_SEED") is { } s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : Random.Shared.Next();
        output.WriteLine($"seed {seed} (rerun with LADLE_TEST_SEED={seed})");
        var reference = new FeatureReference(seed, readings: 1500, entities: 600);
        await using var server = await StartAsync(reference, new FakeTimeProvider(FeatureReference.Base.AddDays(2)));
        var india = TimeSpan.FromHours(5.5);
        var csv = new System.Text.StringBuilder("warehouse_id,event_timestamp,label\n");
        foreach (var e in reference.Entities)
        {
            var at = spelling switch
            {
                "naive" => FeatureReference.Time(e.At),
                "offset" => new DateTimeOffset(e.At).ToOffset(india).ToString("yyyy-MM-dd HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture),
                _ => csv.Length % 2 == 0 ? FeatureReference.Iso(e.At)
                    : new DateTimeOffset(e.At).ToOffset(-india).ToString("yyyy-MM-ddTHH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture),
            };
            csv.Append(e.Warehouse?.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(',').Append(at).Append(',').Append(e.Label).Append('\n');
        }
        using var content = new StringContent(csv.ToString(), System.Text.Encoding.UTF8, "text/csv");
        using var response = await server.Http.PostAsync("/api/v1/features/training-set?feature_service=everything&format=ndjson", content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        var rows = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();

        Assert.Equal(reference.Entities.Count, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var entity = reference.Entities[i];
            var why = $"seed {seed}, {spelling}, entity row {i}: warehouse {entity.Warehouse} at {FeatureReference.Iso(entity.At)}";
            var live = reference.Live(entity.Warehouse, entity.At);
            AssertNumber(live?.Temperature, rows[i].GetProperty("temperature"), why + " temperature");
            AssertNumber(reference.Winner(entity.Warehouse, entity.At, useCreated: false)?.Temperature, rows[i].GetProperty("temp_any"), why + " temp_any");
            foreach (var (name, value, _) in reference.Windows(entity.Warehouse, entity.At))
                AssertNumber(value, rows[i].GetProperty(name), why + " " + name);
        }
    }

    [Fact]
    public async Task Windowed_features_online_equal_the_window_ending_now()
    {
        var seed = Environment.GetEnvironmentVariable("LADLE_TEST_SEED") is { } s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : Random.Shared.Next();
        output.WriteLine($"seed {seed} (rerun with LADLE_TEST_SEED={seed})");
        var reference = new FeatureReference(seed, readings: 3000, entities: 10);
        // Now inside the readings' days: some rows in the windows are not known yet (created later), and become known as the clock moves.
        var clock = new FakeTimeProvider(FeatureReference.Base.AddDays(2).AddHours(3).AddMinutes(7));
        await using var server = await StartAsync(reference, clock);
        var warehouses = Enumerable.Range(0, 22).Select(w => (long)w).ToList();

        foreach (var step in new[] { TimeSpan.Zero, TimeSpan.FromMinutes(53), TimeSpan.FromHours(2), TimeSpan.FromDays(2) })
        {
            clock.Advance(step);
            var now = clock.GetUtcNow().UtcDateTime;
            var online = await OnlineAsync(server, warehouses, "windowed");
            var offline = await TrainingSetAsync(server, warehouses.Select(w => ((long?)w, now, (int?)null)).ToList(), "windowed");
            for (var i = 0; i < warehouses.Count; i++)
            {
                var why = $"seed {seed}, warehouse {warehouses[i]} at {FeatureReference.Iso(now)}";
                var features = online[i].GetProperty("features");
                foreach (var (name, value, newest) in reference.Windows(warehouses[i], now))
                {
                    var answer = features.GetProperty(name);
                    AssertNumber(value, answer.GetProperty("value"), why + " online " + name);
                    AssertNumber(value, offline[i].GetProperty(name), why + " offline at now " + name);
                    var status = value is not null ? "present" : newest is null ? "not_found" : "null";
                    Assert.True(status == answer.GetProperty("status").GetString(), $"{why} {name}: expected {status}, got {answer}");
                    if (newest is null) Assert.Equal(JsonValueKind.Null, answer.GetProperty("event_timestamp").ValueKind);
                    else Assert.Equal(newest, answer.GetProperty("event_timestamp").GetDateTime().ToUniversalTime());
                }
            }
        }
    }

    [Fact]
    public async Task Online_answers_equal_offline_answer_at_now_and_expire_with_the_clock()
    {
        var seed = Environment.GetEnvironmentVariable("LADLE_TEST_SEED") is { } s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : Random.Shared.Next();
        output.WriteLine($"seed {seed} (rerun with LADLE_TEST_SEED={seed})");
        var reference = new FeatureReference(seed, readings: 3000, entities: 10);
        // Now falls inside the readings' days, so some rows are still to come (late rows not yet known, future events).
        var clock = new FakeTimeProvider(FeatureReference.Base.AddDays(2).AddHours(3).AddMinutes(7));
        await using var server = await StartAsync(reference, clock);
        var warehouses = Enumerable.Range(0, 22).Select(w => (long)w).ToList();

        foreach (var step in new[] { TimeSpan.Zero, TimeSpan.FromHours(4), TimeSpan.FromHours(20), TimeSpan.FromDays(3) })
        {
            clock.Advance(step);
            var now = clock.GetUtcNow().UtcDateTime;
            var online = await OnlineAsync(server, warehouses);
            var offline = await TrainingSetAsync(server, warehouses.Select(w => ((long?)w, now, (int?)null)).ToList());
            for (var i = 0; i < warehouses.Count; i++)
            {
                var why = $"seed {seed}, warehouse {warehouses[i]} at {FeatureReference.Iso(now)}";
                var features = online[i].GetProperty("features");
                var winner = reference.Winner(warehouses[i], now, useCreated: true);
                var temperature = features.GetProperty("temperature");
                var expected = winner is null ? "not_found" : winner.Event < now - FeatureReference.Ttl ? "outside_ttl" : winner.Temperature is null ? "null" : "present";
                Assert.True(expected == temperature.GetProperty("status").GetString(), $"{why}: expected {expected}, got {temperature}");
                if (winner is not null)
                    Assert.Equal(winner.Event, temperature.GetProperty("event_timestamp").GetDateTime().ToUniversalTime());
                var live = expected is "present" or "null";
                AssertNumber(live ? winner!.Temperature : null, temperature.GetProperty("value"), why + " online temperature");
                AssertNumber(live ? winner!.Humidity * 100 : null, features.GetProperty("humidity_pct").GetProperty("value"), why + " online humidity_pct");
                AssertNumber(reference.Winner(warehouses[i], now, useCreated: false)?.Temperature, features.GetProperty("temp_any").GetProperty("value"), why + " online temp_any");
                // The same entities asked offline at now answer the same values.
                foreach (var name in new[] { "temperature", "humidity_pct", "temp_any" })
                    AssertSame(features.GetProperty(name).GetProperty("value"), offline[i].GetProperty(name), $"{why}: {name} online vs training set at now");
            }
        }
    }

    internal static Task<LoopbackServer> StartAsync(FeatureReference reference, TimeProvider clock) =>
        LoopbackServer.StartAsync(root =>
        {
            LoopbackServer.File(root, "ladle.yaml", "name: factory\nsources:\n  files:\n    kind: files\n    path: data\n");
            LoopbackServer.File(root, "data/readings.csv", reference.ReadingsCsv());
            LoopbackServer.File(root, "datasets/readings.yaml", FeatureReference.DatasetYaml);
            LoopbackServer.File(root, "features/climate.yaml", FeatureReference.FeaturesYaml);
        }, clock: clock);

    internal static async Task<List<JsonElement>> TrainingSetAsync(LoopbackServer server, List<(long? Warehouse, DateTime At, int? Label)> entities, string service = "training")
    {
        var body = new
        {
            feature_service = service,
            format = "ndjson",
            entities = entities.Select(e => new Dictionary<string, object?>
            {
                ["warehouse_id"] = e.Warehouse, ["event_timestamp"] = FeatureReference.Iso(e.At), ["label"] = e.Label ?? 0,
            }).ToList(),
        };
        using var response = await server.Http.PostAsJsonAsync("/api/v1/features/training-set", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();
    }

    internal static async Task<List<JsonElement>> OnlineAsync(LoopbackServer server, List<long> warehouses, string service = "training")
    {
        using var response = await server.Http.PostAsJsonAsync("/api/v1/features/online", new { feature_service = service, entities = new { warehouse_id = warehouses } });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("entities").EnumerateArray().Select(e => e.Clone()).ToList();
    }

    private static void AssertNumber(double? expected, JsonElement actual, string why)
    {
        if (expected is null) Assert.True(actual.ValueKind == JsonValueKind.Null, $"{why}: expected null, got {actual}");
        else Assert.True(actual.ValueKind == JsonValueKind.Number && Math.Abs(actual.GetDouble() - expected.Value) < Tolerance, $"{why}: expected {expected}, got {actual}");
    }

    private static void AssertSame(JsonElement expected, JsonElement actual, string why) =>
        Assert.True(expected.ValueKind == actual.ValueKind && (expected.ValueKind != JsonValueKind.Number || Math.Abs(expected.GetDouble() - actual.GetDouble()) < Tolerance),
            $"{why}: {expected} vs {actual}");
}
