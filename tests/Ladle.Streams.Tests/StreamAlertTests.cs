using System.Text.Json;
using Ladle.Engine.Tests.Alerts;

namespace Ladle.Streams.Tests;

/// <summary>Alert rules on a stream's windows and keys, delivered to a real webhook through the project's alert channels.</summary>
public sealed class StreamAlertTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static StreamServer Server(WebhookListener listener, string alerts) =>
        new StreamServer(StreamServer.DefaultStream + "\nalerts:\n" + alerts)
            .Write("ladle.yaml", $"name: streamtest\nalerts:\n  ops:\n    kind: webhook\n    url: {listener.Url()}\n");

    private static async Task<JsonElement> WaitAsync(StreamServer server, Func<JsonElement, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            var status = await server.StatusAsync();
            if (done(status)) return status;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what}: {status}");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task A_household_over_its_threshold_alerts_once_and_once_on_recovery_across_a_restart()
    {
        await using var listener = await WebhookListener.StartAsync();
        var server = Server(listener, "  - { name: high_use, when: kwh > 5 }\n");
        try
        {
            await server.StartAsync();
            Assert.Equal(200, (await server.PostAsync(StreamServer.Ndjson([
                new Reading("h1", T0.AddSeconds(5), 4.0), new Reading("h1", T0.AddSeconds(30), 2.5),   // minute 0: 6.5, over
                new Reading("h2", T0.AddSeconds(10), 1.0),                                              // minute 0: 1, under
                new Reading("h1", T0.AddSeconds(65), 7.0),                                              // minute 1: 7, still over
                new Reading("h2", T0.AddSeconds(140), 1.0),                                             // closes minutes 0 and 1
            ]))).Status);
            await server.WaitPublishedAsync(3);
            var opened = Assert.Single(await listener.WaitForAsync(1)).Json;
            Assert.Equal("incident_opened", opened.GetProperty("event").GetString());
            Assert.Equal("readings", opened.GetProperty("stream").GetString());
            Assert.Equal("h1", opened.GetProperty("key").GetString());
            Assert.Equal("high_use", opened.GetProperty("kind").GetString());
            Assert.Equal("energy_windows", opened.GetProperty("dataset").GetString());
            Assert.Contains("kwh 6.5 in window [2026-03-01 12:00:00Z, 2026-03-01 12:01:00Z)", opened.GetProperty("reason").GetString(), StringComparison.Ordinal);
            var status = await server.StatusAsync();
            Assert.Equal(1, status.GetProperty("alerts_raised").GetInt64());

            // A restart replays the log; the incident is still open in the state store, so nothing is alerted again.
            await server.StopAsync();
            await server.StartAsync();
            Assert.Equal(200, (await server.PostAsync(StreamServer.Ndjson([
                new Reading("h1", T0.AddSeconds(130), 0.5),   // minute 2: 0.5, back under
                new Reading("h2", T0.AddSeconds(200), 1.0),   // closes minute 2
            ]))).Status);
            status = await WaitAsync(server, s => s.GetProperty("alerts_recovered").GetInt64() == 1, "h1 never recovered");
            Assert.Equal(0, status.GetProperty("alerts_raised").GetInt64());
            var posts = await listener.WaitForAsync(2);
            Assert.Equal(2, posts.Count);
            var resolved = posts[1].Json;
            Assert.Equal("incident_resolved", resolved.GetProperty("event").GetString());
            Assert.Equal("h1", resolved.GetProperty("key").GetString());
            Assert.Contains("no longer kwh > 5", resolved.GetProperty("reason").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_key_silent_for_longer_than_the_rule_alerts_with_no_further_input_and_recovers_with_its_next_event()
    {
        await using var listener = await WebhookListener.StartAsync();
        await using var server = await Server(listener, "  - { name: silent, silent_for: 2m }\n").StartAsync();
        Assert.Equal(200, (await server.PostAsync(StreamServer.Ndjson([
            new Reading("h1", T0.AddSeconds(5), 1.0),
            new Reading("h2", T0.AddSeconds(50), 1.0),
        ]))).Status);

        // Nothing more arrives: after the idle timeout event time moves with the clock, so silence is seen anyway.
        // 100 s on, event time is 12:02:20 (newest event + idle - lateness): h1 (12:00:05) is silent for more than 2m, h2 not yet.
        server.Clock.Advance(TimeSpan.FromSeconds(100));
        var posts = await listener.WaitForAsync(1);
        var silent = Assert.Single(posts).Json;
        Assert.Equal("incident_opened", silent.GetProperty("event").GetString());
        Assert.Equal("silent", silent.GetProperty("kind").GetString());
        Assert.Equal("h1", silent.GetProperty("key").GetString());
        Assert.Contains("no event since 2026-03-01 12:00:05Z", silent.GetProperty("reason").GetString(), StringComparison.Ordinal);

        // h1 reports again: recovered, once.
        Assert.Equal(200, (await server.PostAsync(StreamServer.Ndjson([new Reading("h1", T0.AddSeconds(160), 1.0)]))).Status);
        var status = await WaitAsync(server, s => s.GetProperty("alerts_recovered").GetInt64() == 1, "h1 never recovered");
        Assert.Equal(1, status.GetProperty("alerts_raised").GetInt64());
        posts = await listener.WaitForAsync(2);
        Assert.Equal(2, posts.Count);
        Assert.Equal("incident_resolved", posts[1].Json.GetProperty("event").GetString());
        Assert.Equal("h1", posts[1].Json.GetProperty("key").GetString());
    }
}
