using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Ladle.Cli.Tests.Demo;

/// <summary>
/// The demo's thermostat stream as a newcomer meets it: `ladle demo` generates, materializes and serves, replays the
/// recorded readings into thermostat_events at its steady rate, and prints the curl command that follows the hourly
/// windows live; reading that feed as curl -N does gets closed hours, one row per home, and a home's token only its own.
/// </summary>
public sealed partial class DemoStreamTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ladle-demo-stream-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task The_demo_replays_thermostat_readings_and_its_printed_curl_reads_hourly_windows_live()
    {
        await using var demo = await ServeProcess.StartDemoAsync(_dir, ["--orders", "20000", "--stream-rate", "400"]);
        var live = $"{demo.Http.BaseAddress!.ToString().TrimEnd('/')}/api/v1/streams/thermostat_events/live";
        Assert.Contains($"curl -N {live}", demo.Output, StringComparison.Ordinal);

        var windows = await ReadWindowsAsync(demo, null, 3);
        var ids = windows.Select(w => w.Id).ToList();
        Assert.Equal(ids.Order().Distinct(), ids);
        foreach (var (_, data) in windows)
        {
            var start = data.GetProperty("window_start").GetDateTimeOffset();
            Assert.Equal(TimeSpan.FromHours(1), data.GetProperty("window_end").GetDateTimeOffset() - start);
            Assert.True(data.GetProperty("household_id").GetInt32() >= 1001, data.GetRawText());
            // Each device of a home reads once an hour: a closed hour holds at least one reading and a non-negative use.
            Assert.True(data.GetProperty("readings").GetInt64() >= 1, data.GetRawText());
            Assert.True(data.GetProperty("kwh").GetDouble() >= 0, data.GetRawText());
        }

        // The replay's events counted by the stream itself, taken at its steady rate.
        using var status = JsonDocument.Parse(await demo.Http.GetStringAsync("/api/v1/streams/thermostat_events"));
        Assert.True(status.RootElement.GetProperty("accepted").GetInt64() > 0, status.RootElement.GetRawText());
        Assert.Equal(0, status.RootElement.GetProperty("rejected").GetInt64());

        // The token printed for home_1001 follows the same feed and sees only its own home's hours.
        var token = HomeToken().Match(demo.Output);
        Assert.True(token.Success, demo.Output);
        var own = await ReadWindowsAsync(demo, token.Groups[1].Value, 2);
        Assert.All(own, w => Assert.Equal(1001, w.Data.GetProperty("household_id").GetInt32()));
    }

    [Fact]
    public async Task A_negative_stream_rate_is_refused_with_the_option_named()
    {
        var run = await LadleProcess.RunAsync("demo", "--dir", _dir, "--stream-rate", "-5", "--no-serve");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("--stream-rate", run.Out + run.Err, StringComparison.Ordinal);
    }

    /// <summary>What curl -N does: one GET, its body read as it arrives, each server-sent event's id and data.</summary>
    private static async Task<List<(long Id, JsonElement Data)>> ReadWindowsAsync(ServeProcess demo, string? token, int count)
    {
        // Its own connection, closed (not drained: the feed never ends) once enough windows came, as curl ends on Ctrl+C.
        using var http = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = demo.Http.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/streams/thermostat_events/live");
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        // The body of a feed never ends: it is read for the message only when the answer is not the feed.
        if (response.StatusCode != HttpStatusCode.OK) Assert.Fail($"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}\n{demo.Output}");
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var windows = new List<(long, JsonElement)>();
        long? id = null;
        string? type = null;
        while (windows.Count < count)
        {
            var line = await reader.ReadLineAsync(timeout.Token) ?? throw new EndOfStreamException($"the feed ended\n{demo.Output}");
            if (line.StartsWith("id: ", StringComparison.Ordinal)) id = long.Parse(line[4..], CultureInfo.InvariantCulture);
            else if (line.StartsWith("event: ", StringComparison.Ordinal)) type = line[7..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                Assert.Equal("window", type);
                windows.Add((id ?? throw new InvalidDataException("a window without an id"), JsonDocument.Parse(line[6..]).RootElement.Clone()));
            }
        }
        return windows;
    }

    [GeneratedRegex(@"home_1001[\s│|]+household[\s│|]+([A-Za-z0-9_.~+/=-]+)")]
    private static partial Regex HomeToken();

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
