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
    public async Task Online_follows_a_new_version_that_drops_an_entity_or_corrects_its_newest_row_as_a_training_set_at_now_does()
    {
        await using var server = await StartAsync("row_id,warehouse_id,read_at,temperature\n1,1,2026-03-01 10:00:00,1\n2,2,2026-03-01 10:00:00,2\n3,1,2026-03-01 09:00:00,9\n");
        Assert.Equal(new[] { 1.0, 2.0 }, await TemperaturesAsync(server));

        // The next version no longer has warehouse 2, nor warehouse 1's 10:00 reading (withdrawn as wrong).
        await PublishAsync(server, "row_id,warehouse_id,read_at,temperature\n3,1,2026-03-01 09:00:00,9\n");

        var online = await LookupAsync(server);
        Assert.Equal(9.0, online[0].GetProperty("value").GetDouble());
        Assert.Equal("not_found", online[1].GetProperty("status").GetString());
        // The reference: a training set asked at now for the same entities.
        var body = new
        {
            features = new[] { "climate.temperature" }, format = "ndjson",
            entities = new[] { new { warehouse_id = 1, event_timestamp = "2026-03-02T00:00:00Z" }, new { warehouse_id = 2, event_timestamp = "2026-03-02T00:00:00Z" } },
        };
        using var response = await server.Http.PostAsJsonAsync("/api/v1/features/training-set", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        var offline = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToArray();
        Assert.Equal(9.0, offline[0].GetProperty("temperature").GetDouble());
        Assert.Equal(JsonValueKind.Null, offline[1].GetProperty("temperature").ValueKind);
    }

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
