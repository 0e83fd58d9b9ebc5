using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace Ladle.Server.Tests.Features;

/// <summary>The online store follows publications: the served version's answer at now, where an older event never beats a newer one.</summary>
public sealed class OnlineStoreTests
{
    private const string Dataset = """
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
          - { name: temperature, type: double }
        """;

    private const string Features = """
        feature_views:
          - name: climate
            dataset: readings
            entities: [warehouse_id]
            event_timestamp: read_at
            features: [temperature]
        """;

    [Fact]
    public async Task Older_event_published_after_a_newer_one_does_not_overwrite_it()
    {
        await using var server = await StartAsync("row_id,warehouse_id,read_at,temperature\n1,1,2026-03-01 10:00:00,1\n2,2,2026-03-01 10:00:00,2\n");
        Assert.Equal(new[] { 1.0, 2.0 }, await TemperaturesAsync(server));

        // A backfill adds an older reading for warehouse 1 and a newer one for warehouse 2.
        await PublishAsync(server, "row_id,warehouse_id,read_at,temperature\n1,1,2026-03-01 10:00:00,1\n2,2,2026-03-01 10:00:00,2\n" +
            "3,1,2026-03-01 09:00:00,9\n4,2,2026-03-01 11:00:00,22\n");

        Assert.Equal(new[] { 1.0, 22.0 }, await TemperaturesAsync(server));
    }

    [Fact]
    public async Task A_new_version_that_withdraws_an_entitys_newest_row_or_the_entity_leaves_the_newer_event_served_and_the_skew_report_says_so()
    {
        await using var server = await StartAsync("row_id,warehouse_id,read_at,temperature\n1,1,2026-03-01 10:00:00,1\n2,2,2026-03-01 10:00:00,2\n3,1,2026-03-01 09:00:00,9\n");
        Assert.Equal(new[] { 1.0, 2.0 }, await TemperaturesAsync(server));

        // The next version no longer has warehouse 2, nor warehouse 1's 10:00 reading: writing it must not replace
        // either newer event with an older one (or with nothing).
        await PublishAsync(server, "row_id,warehouse_id,read_at,temperature\n3,1,2026-03-01 09:00:00,9\n");

        var online = await LookupAsync(server);
        Assert.Equal(1.0, online[0].GetProperty("value").GetDouble());
        Assert.Equal("2026-03-01T10:00:00Z", online[0].GetProperty("event_timestamp").GetString());
        Assert.Equal(2.0, online[1].GetProperty("value").GetDouble());
        Assert.Equal("present", online[1].GetProperty("status").GetString());
        // A training set at now answers from the version as it is: the skew report shows where online keeps a newer event.
        using var skewResponse = await server.Http.GetAsync("/api/v1/features/climate/skew");
        var skew = await skewResponse.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(skewResponse.IsSuccessStatusCode, skew.ToString());
        Assert.Equal(1, skew.GetProperty("entities_compared").GetInt64());
        Assert.Equal(1, skew.GetProperty("entities_differing").GetInt64());
        Assert.Equal(2, skew.GetProperty("online_entities").GetInt64());
        var difference = skew.GetProperty("differences")[0];
        Assert.Equal("2026-03-01T10:00:00Z", difference.GetProperty("online").GetProperty("event_timestamp").GetString());
        Assert.Equal("2026-03-01T09:00:00Z", difference.GetProperty("offline").GetProperty("event_timestamp").GetString());

        // A newer reading then replaces it as usual.
        await PublishAsync(server, "row_id,warehouse_id,read_at,temperature\n3,1,2026-03-01 09:00:00,9\n4,1,2026-03-01 11:00:00,11\n");
        Assert.Equal(11.0, (await LookupAsync(server))[0].GetProperty("value").GetDouble());
    }

    /// <summary>
    /// Without a primary key, rows tied on event (and created) time are ordered by every declared column, a NULL last:
    /// the reduction to one row per key and time must keep that order whatever DuckDB does with NULLs inside the
    /// value it compares, and must not lose a key whose tied rows hold NULL in a tie column.
    /// </summary>
    [Fact]
    public async Task Training_set_without_a_primary_key_breaks_ties_by_its_columns_with_nulls_last()
    {
        await using var server = await LoopbackServer.StartAsync(root =>
        {
            LoopbackServer.File(root, "ladle.yaml", "name: factory\nsources:\n  files:\n    kind: files\n    path: data\n");
            // Warehouse 1: a NULL batch loses to batch 'a' though its temperature is higher. Warehouse 2: both batches
            // NULL, so the temperature decides. Warehouse 3: the later-loaded tie wins where created time is declared.
            LoopbackServer.File(root, "data/readings.csv", "warehouse_id,read_at,loaded_at,batch,temperature\n" +
                "1,2026-03-01 10:00:00,2026-03-01 10:00:00,,9\n1,2026-03-01 10:00:00,2026-03-01 10:00:00,a,2\n" +
                "2,2026-03-01 10:00:00,2026-03-01 10:00:00,,5\n2,2026-03-01 10:00:00,2026-03-01 10:00:00,,7\n" +
                "3,2026-03-01 10:00:00,2026-03-01 10:30:00,a,1\n3,2026-03-01 10:00:00,2026-03-01 10:10:00,b,4\n");
            LoopbackServer.File(root, "datasets/readings.yaml", """
                name: readings
                source: files
                table: readings.csv
                materialization: table
                columns:
                  - { name: warehouse_id, type: integer }
                  - { name: read_at, type: timestamp }
                  - { name: loaded_at, type: timestamp }
                  - { name: batch, type: string }
                  - { name: temperature, type: double }
                """);
            LoopbackServer.File(root, "features/climate.yaml", """
                feature_views:
                  - name: plain
                    dataset: readings
                    entities: [warehouse_id]
                    event_timestamp: read_at
                    features: [temperature]
                  - name: known
                    dataset: readings
                    entities: [warehouse_id]
                    event_timestamp: read_at
                    created_timestamp: loaded_at
                    features: [{ name: temp_known, sql: "temperature", type: double }]
                """);
        }, clock: new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero)));
        var entities = new[] { 1, 2, 3 }.SelectMany(w => new[] { "10:20", "11:00" }.Select(t => new { warehouse_id = w, event_timestamp = $"2026-03-01T{t}:00Z" })).ToArray();

        using var response = await server.Http.PostAsJsonAsync("/api/v1/features/training-set",
            new { features = new[] { "plain.temperature", "known.temp_known" }, entities, format = "ndjson" });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        var rows = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToArray();

        // plain (known at event; every column breaks ties, in declared order): 1 → 'a' (2), 2 → the greater
        // temperature (7), 3 → the greater loaded_at, 'a' (1), at both times.
        Assert.Equal(new double?[] { 2, 2, 7, 7, 1, 1 }, rows.Select(r => Number(r.GetProperty("temperature"))).ToArray());
        // known: at 10:20 only warehouse 3's 'b' (loaded 10:10) is known; at 11:00 the later-loaded 'a' (10:30) wins.
        Assert.Equal(new double?[] { 2, 2, 7, 7, 4, 1 }, rows.Select(r => Number(r.GetProperty("temp_known"))).ToArray());
    }

    private static double? Number(JsonElement value) => value.ValueKind == JsonValueKind.Null ? null : value.GetDouble();

    private static Task<LoopbackServer> StartAsync(string csv) => LoopbackServer.StartAsync(root =>
    {
        LoopbackServer.File(root, "ladle.yaml", "name: factory\nsources:\n  files:\n    kind: files\n    path: data\n");
        LoopbackServer.File(root, "data/readings.csv", csv);
        LoopbackServer.File(root, "datasets/readings.yaml", Dataset);
        LoopbackServer.File(root, "features/climate.yaml", Features);
    }, clock: new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero)));

    private static async Task PublishAsync(LoopbackServer server, string csv)
    {
        LoopbackServer.File(server.Root, "data/readings.csv", csv);
        using var refresh = await server.Http.PostAsync("/api/v1/datasets/readings/refresh?wait=true", null);
        Assert.True(refresh.IsSuccessStatusCode, await refresh.Content.ReadAsStringAsync());
    }

    private static async Task<JsonElement[]> LookupAsync(LoopbackServer server)
    {
        using var response = await server.Http.PostAsJsonAsync("/api/v1/features/online", new { features = new[] { "climate.temperature" }, entities = new { warehouse_id = new[] { 1, 2 } } });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        return body.GetProperty("entities").EnumerateArray().Select(e => e.GetProperty("features").GetProperty("temperature").Clone()).ToArray();
    }

    private static async Task<double[]> TemperaturesAsync(LoopbackServer server) =>
        (await LookupAsync(server)).Select(t => t.GetProperty("value").GetDouble()).ToArray();
}
