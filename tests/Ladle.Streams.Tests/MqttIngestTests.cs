using System.Text.Json;

namespace Ladle.Streams.Tests;

/// <summary>Streams subscribed to a real mosquitto broker: the same validation, counting and durability as HTTP.</summary>
public sealed class MqttIngestTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static (string Yaml, string Env) Subscribed(string topic)
    {
        // Each test names its own variable: the environment is the process's, shared by tests running at once.
        var env = "LADLE_TEST_MQTT_" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();
        return (StreamServer.DefaultStream + $"\nmqtt: {{ topic: \"{topic}\", broker_env: {env} }}\n", env);
    }

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

    private static Task<JsonElement> WaitConnectedAsync(StreamServer server) =>
        WaitAsync(server, s => s.GetProperty("mqtt").GetString()!.StartsWith("connected", StringComparison.Ordinal), "the stream never subscribed");

    [Fact]
    public async Task Events_published_to_the_topic_are_validated_counted_and_windowed_like_http_ones()
    {
        await using var broker = await Mosquitto.StartAsync();
        var (yaml, env) = Subscribed("meters/+/readings");
        Environment.SetEnvironmentVariable(env, broker.Url);
        await using var server = await new StreamServer(yaml).StartAsync();
        var status = await WaitConnectedAsync(server);
        Assert.Contains($"127.0.0.1:{broker.Port}", status.GetProperty("mqtt").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("secret", status.GetProperty("mqtt").GetString(), StringComparison.Ordinal);

        await broker.PublishAsync("meters/h1/readings",
            StreamServer.Ndjson([new Reading("h1", T0.AddSeconds(5), 1.5)]),
            // One message may carry several events (NDJSON), good and bad: the good ones count, the bad ones are rejected.
            StreamServer.Ndjson([new Reading("h1", T0.AddSeconds(20), 2.5)]) + "\n{\"household\":\"h1\",\"at\":\"soon\",\"kwh\":1}",
            "not json");
        await broker.PublishAsync("meters/h2/readings", StreamServer.Ndjson([new Reading("h2", T0.AddSeconds(75), 4.0)]));
        // A topic outside the filter is not the stream's.
        await broker.PublishAsync("other/h3/readings", StreamServer.Ndjson([new Reading("h3", T0.AddSeconds(6), 9.0)]));

        status = await WaitAsync(server, s => s.GetProperty("mqtt_messages").GetInt64() == 4, "four messages were not taken");
        Assert.Equal(3, status.GetProperty("accepted").GetInt64());
        Assert.Equal(2, status.GetProperty("rejected").GetInt64());
        // Each message is in the audit under the topic's principal (mqtt unless named), interface mqtt, with its counts.
        var audit = await server.AuditAsync("stream:readings");
        Assert.Equal(4, audit.Count);
        Assert.All(audit, e => Assert.Equal(("mqtt", "mqtt", "mqtt meters/+/readings"),
            (e.GetProperty("principal").GetString(), e.GetProperty("interface").GetString(), e.GetProperty("action").GetString())));
        Assert.Equal(["accepted=0 rejected=1 late=0", "accepted=1 rejected=0 late=0", "accepted=1 rejected=0 late=0", "accepted=1 rejected=1 late=0"],
            audit.Select(e => e.GetProperty("filters").GetString()).Order());

        // The h2 event moved the watermark past the first minute: h1's window is closed and published.
        await server.WaitPublishedAsync(1);
        var row = Assert.Single(await server.WindowsAsync());
        Assert.Equal("h1", row.GetProperty("household").GetString());
        Assert.Equal(2, row.GetProperty("events").GetInt64());
        Assert.Equal(4.0, row.GetProperty("kwh").GetDouble());
    }

    [Fact]
    public async Task Messages_published_while_Ladle_is_down_are_taken_after_a_restart()
    {
        await using var broker = await Mosquitto.StartAsync();
        var (yaml, env) = Subscribed("meters/#");
        Environment.SetEnvironmentVariable(env, broker.Url);
        var server = new StreamServer(yaml);
        try
        {
            await server.StartAsync();
            await WaitConnectedAsync(server);
            await broker.PublishAsync("meters/h1", StreamServer.Ndjson([new Reading("h1", T0.AddSeconds(5), 1.0)]));
            // Acknowledged to the broker (counted once acknowledged), not only taken: a stop before the acknowledgement
            // leaves the broker to deliver the message again, as MQTT's at-least-once delivery does.
            await WaitAsync(server, s => s.GetProperty("mqtt_messages").GetInt64() == 1, "the first event was not taken");
            await server.StopAsync();

            // The broker keeps the persistent session's messages (QoS 1) until Ladle acknowledges them.
            await broker.PublishAsync("meters/h1", StreamServer.Ndjson([new Reading("h1", T0.AddSeconds(30), 2.0)]),
                StreamServer.Ndjson([new Reading("h1", T0.AddSeconds(90), 4.0)]));

            await server.StartAsync();
            // Replay counts the first event again from the log; the two published while down arrive from the broker.
            var status = await WaitAsync(server, s => s.GetProperty("accepted").GetInt64() == 3, "the events published while down never arrived");
            Assert.Equal(2, status.GetProperty("mqtt_messages").GetInt64());
            await server.WaitPublishedAsync(1);
            var row = Assert.Single(await server.WindowsAsync());
            Assert.Equal(2, row.GetProperty("events").GetInt64());
            Assert.Equal(3.0, row.GetProperty("kwh").GetDouble());
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_stream_whose_broker_variable_is_unset_says_so_and_still_takes_http_events()
    {
        var (yaml, _) = Subscribed("meters/#");
        await using var server = await new StreamServer(yaml).StartAsync();
        var status = await WaitAsync(server, s => s.GetProperty("mqtt").GetString()!.Contains("is not set", StringComparison.Ordinal), "no reason shown");
        Assert.Contains("LADLE_TEST_MQTT_", status.GetProperty("mqtt").GetString(), StringComparison.Ordinal);
        var (code, _) = await server.PostAsync(StreamServer.Ndjson([new Reading("h1", T0.AddSeconds(5), 1.0)]));
        Assert.Equal(200, code);
    }
}
