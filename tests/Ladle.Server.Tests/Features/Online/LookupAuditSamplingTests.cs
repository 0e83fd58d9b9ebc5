using System.Net;
using System.Net.Http.Json;
using Ladle.Engine.Access;
using Ladle.Engine.Serving;
using Microsoft.Extensions.Time.Testing;

namespace Ladle.Server.Tests.Features.Online;

/// <summary>Online lookups at a high rate: the first few per second audited one by one, then one in K, the rest counted so none vanishes.</summary>
public sealed class LookupAuditSamplingTests
{
    [Fact]
    public async Task Lookups_past_the_full_rate_are_sampled_and_the_rest_counted_once_their_second_is_over()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero));
        await using var server = await LoopbackServer.StartAsync(root =>
        {
            LoopbackServer.File(root, "ladle.yaml", "name: factory\nsources:\n  files:\n    kind: files\n    path: data\nfeatures:\n  audit: { full_per_second: 2, then_one_in: 3 }\n");
            LoopbackServer.File(root, "data/readings.csv", "row_id,warehouse_id,read_at,temperature\n1,1,2026-03-01 10:00:00,1\n");
            LoopbackServer.File(root, "datasets/readings.yaml", """
                name: readings
                domain: factory
                source: files
                table: readings.csv
                materialization: table
                columns:
                  - { name: row_id, type: integer }
                  - { name: warehouse_id, type: integer }
                  - { name: read_at, type: timestamp }
                  - { name: temperature, type: double }
                """);
            LoopbackServer.File(root, "features/climate.yaml", "feature_views:\n  - { name: climate, dataset: readings, entities: [warehouse_id], event_timestamp: read_at, features: [temperature] }\n");
        }, clock: clock);

        // Ten answered lookups and one refused, all in the same second.
        for (var i = 0; i < 10; i++)
        {
            using var response = await server.Http.PostAsJsonAsync("/api/v1/features/online", new { features = new[] { "climate.temperature" }, entities = new { warehouse_id = new[] { 1 } } });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        using (var refused = await server.Http.PostAsJsonAsync("/api/v1/features/online", new { features = new[] { "climate.nope" }, entities = new { warehouse_id = new[] { 1 } } }))
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        var audit = (AuditWriter)server.Services.GetService(typeof(AuditWriter))!;
        await audit.FlushAsync(CancellationToken.None);
        var during = await server.Engine.State.QueryAuditAsync(new Ladle.Engine.State.AuditQuery(), CancellationToken.None);
        // The first 2, then the 3rd and 6th past them (lookups 5 and 8): 4 of 10; the refusal always.
        Assert.Equal(4, during.Count(e => e.Action == "features" && e.Status == "ok"));
        Assert.Single(during, e => e.Action == "features" && e.Status != "ok");
        Assert.DoesNotContain(during, e => e.Action == LookupAuditSampler.UnsampledAction);

        // The second is over: the 6 lookups not audited one by one are written as one count.
        clock.Advance(TimeSpan.FromSeconds(1));
        await audit.FlushAsync(CancellationToken.None);
        var after = await server.Engine.State.QueryAuditAsync(new Ladle.Engine.State.AuditQuery(), CancellationToken.None);
        var counted = Assert.Single(after, e => e.Action == LookupAuditSampler.UnsampledAction);
        Assert.Equal(6, counted.Rows);
        Assert.Equal("climate", counted.Target);
        Assert.Equal(10, after.Where(e => e.Action == "features" && e.Status == "ok").Sum(_ => 1L) + counted.Rows);

        // A new second audits its first lookups in full again.
        using (var again = await server.Http.PostAsJsonAsync("/api/v1/features/online", new { features = new[] { "climate.temperature" }, entities = new { warehouse_id = new[] { 1 } } }))
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        await audit.FlushAsync(CancellationToken.None);
        Assert.Equal(5, (await server.Engine.State.QueryAuditAsync(new Ladle.Engine.State.AuditQuery(), CancellationToken.None)).Count(e => e.Action == "features" && e.Status == "ok"));
    }
}
