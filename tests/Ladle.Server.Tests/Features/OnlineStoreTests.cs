using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace Ladle.Server.Tests.Features;

/// <summary>The online store follows publications, and never lets an older event replace a newer one.</summary>
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
        await using var server = await LoopbackServer.StartAsync(root =>
        {
            LoopbackServer.File(root, "ladle.yaml", "name: factory\nsources:\n  files:\n    kind: files\n    path: data\n");
            LoopbackServer.File(root, "data/readings.csv", "row_id,warehouse_id,read_at,temperature\n1,1,2026-03-01 10:00:00,1\n2,2,2026-03-01 10:00:00,2\n");
            LoopbackServer.File(root, "datasets/readings.yaml", Dataset);
            LoopbackServer.File(root, "features/climate.yaml", Features);
        }, clock: new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero)));
        var first = await TemperaturesAsync(server);
        Assert.Equal(new[] { 1.0, 2.0 }, first);

        // A backfill publishes an older reading for warehouse 1 and a newer one for warehouse 2.
        LoopbackServer.File(server.Root, "data/readings.csv", "row_id,warehouse_id,read_at,temperature\n3,1,2026-03-01 09:00:00,9\n4,2,2026-03-01 11:00:00,22\n");
        using (var refresh = await server.Http.PostAsync("/api/v1/datasets/readings/refresh?wait=true", null))
            Assert.True(refresh.IsSuccessStatusCode, await refresh.Content.ReadAsStringAsync());

        var after = await TemperaturesAsync(server);
        Assert.Equal(new[] { 1.0, 22.0 }, after);
    }

    private static async Task<double[]> TemperaturesAsync(LoopbackServer server)
    {
        using var response = await server.Http.PostAsJsonAsync("/api/v1/features/online", new { features = new[] { "climate.temperature" }, entities = new { warehouse_id = new[] { 1, 2 } } });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        return body.GetProperty("entities").EnumerateArray().Select(e => e.GetProperty("features").GetProperty("temperature").GetProperty("value").GetDouble()).ToArray();
    }
}
