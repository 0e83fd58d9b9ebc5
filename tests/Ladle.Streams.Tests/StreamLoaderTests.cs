using Ladle.Core.Errors;
using Ladle.Core.Loading;
using Ladle.Core.Model;
using Ladle.Core.Model.Streams;

namespace Ladle.Streams.Tests;

/// <summary>streams/*.yaml as `ladle validate` loads it: every mistake named with file:line:column, and the windows dataset it adds.</summary>
public sealed class StreamLoaderTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "ladle-stream-load-" + Guid.NewGuid().ToString("N"));

    private void Write(string relative, string text)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    [Fact]
    public void A_stream_adds_its_windows_dataset_with_keys_window_bounds_aggregates_and_seq()
    {
        Write("ladle.yaml", "name: t\n");
        Write("streams/readings.yaml", StreamServer.DefaultStream);
        var project = ProjectLoader.Load(_root);
        var stream = Assert.Single(project.Streams);
        Assert.Equal(WindowKind.Tumbling, stream.Window.Kind);
        Assert.Equal(TimeSpan.FromMinutes(1), stream.Window.Size);
        var dataset = project.FindDataset("energy_windows")!;
        Assert.Equal("readings", dataset.Stream);
        Assert.Equal(Materialization.Table, dataset.Materialization);
        Assert.Equal(["household", "window_start", "window_end", "events", "kwh", "kwh_max", "seq"], dataset.Columns.Select(c => c.Name));
        Assert.Equal("energy", dataset.Domain);
    }

    [Fact]
    public void Every_mistake_in_a_stream_is_reported_with_its_line_and_column()
    {
        Write("ladle.yaml", "name: t\n");
        Write("streams/bad.yaml", """
            name: bad
            columns:
              - { name: device, type: string }
              - { name: at, type: string }
              - { name: watts, type: double }
            event_time: at
            keys: [devise]
            window: { type: hopping, size: 10m, slide: 3m }
            aggregates:
              - { name: total, function: sum, column: device }
              - { name: p, function: median, column: watts }
            allowed_lateness: soon
            late: side
            """);
        var error = Assert.Throws<ProjectValidationException>(() => ProjectLoader.Load(_root));
        string At(int line) => string.Join("\n", error.Diagnostics.Where(d => d.Location.Line == line).Select(d => d.ToString()));
        Assert.Contains("streams/bad.yaml:6:13: error: event_time 'at' is a string column, not a timestamp", At(6));
        Assert.Contains("streams/bad.yaml:7:8: error: the key 'devise' is not a declared column of stream 'bad'", At(7));
        Assert.Contains("did you mean 'device'", At(7));
        Assert.Contains("size must be a whole number of slides", At(8));
        Assert.Contains("takes the sum of 'device', a string column", At(10));
        Assert.Contains("unknown aggregate function 'median'", At(11));
        Assert.Contains("'allowed_lateness' is 'soon', not a duration", At(12));
        Assert.Contains("late policy 'side' is not supported", At(13));
    }

    [Fact]
    public void A_grant_on_an_unknown_stream_or_write_on_no_stream_is_reported()
    {
        Write("ladle.yaml", "name: t\n");
        Write("streams/readings.yaml", StreamServer.DefaultStream);
        Write("access.yaml", """
            roles:
              sender:
                grants:
                  - { actions: [write], streams: [reading] }
                  - { actions: [read, write], datasets: [energy_windows] }
            principals:
              s: { roles: [sender] }
            """);
        var error = Assert.Throws<ProjectValidationException>(() => ProjectLoader.Load(_root));
        Assert.Contains(error.Diagnostics, d => d.Location.File == "access.yaml" && d.Location.Line == 4 && d.ToString().Contains("error: unknown stream 'reading' (did you mean 'readings'", StringComparison.Ordinal));
        Assert.Contains(error.Diagnostics, d => d.Location.Line == 5 && d.Message.Contains("'write' is granted on streams only", StringComparison.Ordinal));
    }

    [Fact]
    public void A_windows_dataset_name_that_is_taken_is_refused()
    {
        Write("ladle.yaml", "name: t\nsources:\n  files: { kind: files, path: data }\n");
        Write("data/x.csv", "a\n1\n");
        Write("datasets/energy_windows.yaml", "name: energy_windows\nsource: files\ntable: x.csv\n");
        Write("streams/readings.yaml", StreamServer.DefaultStream);
        var error = Assert.Throws<ProjectValidationException>(() => ProjectLoader.Load(_root));
        var diagnostic = Assert.Single(error.Diagnostics);
        Assert.Equal("streams/readings.yaml", diagnostic.Location.File);
        Assert.Contains("dataset 'energy_windows', which is already defined at datasets/energy_windows.yaml", diagnostic.Message);
    }

    [Fact]
    public void Mistakes_in_alert_rules_late_policy_and_mqtt_are_reported_with_their_line()
    {
        Write("ladle.yaml", "name: t\n");
        Write("streams/readings.yaml", StreamServer.DefaultStream + """

            late_dataset: readings_late
            mqtt: { topic: "meters/#", broker: "mqtt://root:pw@host" }
            alerts:
              - { name: hot, when: kwh_max >> 5 }
              - { name: cold, when: kwhh < 1 }
              - { name: both, when: kwh > 1, silent_for: 5m }
              - { name: quiet, silent_for: soon }
            """);
        var error = Assert.Throws<ProjectValidationException>(() => ProjectLoader.Load(_root));
        string At(int line) => string.Join("\n", error.Diagnostics.Where(d => d.Location.Line == line).Select(d => d.ToString()));
        Assert.Contains("'late_dataset' applies only to 'late: side_dataset'", At(17));
        // The broker's address and credentials never go in YAML: the key is unknown, and the message does not echo its value.
        Assert.Contains("broker", At(18));
        Assert.DoesNotContain("root:pw", At(18));
        Assert.Contains("alert 'hot' has 'when: kwh_max >> 5', not '<aggregate> <comparison> <number>'", At(20));
        Assert.Contains("alert 'cold' compares 'kwhh', which is not an aggregate of the stream", At(21));
        Assert.Contains("did you mean 'kwh'", At(21));
        Assert.Contains("alert 'both' needs exactly one of 'when'", At(22));
        Assert.Contains("'silent_for' is 'soon', not a duration", At(23));
    }

    [Fact]
    public void A_side_dataset_stream_adds_its_late_events_dataset_and_mqtt_reads_its_broker_from_the_environment()
    {
        Write("ladle.yaml", "name: t\n");
        Write("streams/readings.yaml", StreamServer.DefaultStream + "\nlate: side_dataset\nmqtt: { topic: meters/+/readings }\n");
        var project = ProjectLoader.Load(_root);
        var stream = Assert.Single(project.Streams);
        Assert.Equal(LatePolicy.SideDataset, stream.Late);
        Assert.Equal("readings_late", stream.LateDataset);
        Assert.Equal(MqttSource.DefaultBrokerEnv, stream.Mqtt!.BrokerEnv);
        var late = project.FindDataset("readings_late")!;
        Assert.Equal("readings", late.Stream);
        Assert.Equal(["household", "at", "kwh", "late_seq"], late.Columns.Select(c => c.Name));
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
