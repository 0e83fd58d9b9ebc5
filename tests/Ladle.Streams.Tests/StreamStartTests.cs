using System.Net;
using System.Net.Sockets;
using System.Text;
using Ladle.Core.Loading;
using Ladle.Engine;
using Ladle.Server.Hosting;
using Ladle.Streams.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ladle.Streams.Tests;

/// <summary>A stream while it replays a long log at start: the server already answers, the stream says when to come back.</summary>
public sealed class StreamStartTests
{
    [Fact]
    public async Task A_stream_still_replaying_its_log_answers_503_with_Retry_After_and_then_takes_events()
    {
        await using var server = new StreamServer();
        var project = ProjectLoader.Load(server.Root);
        // A long log, as a stream leaves it after many events: a million events in one window of one household.
        var path = Path.Combine(Path.GetDirectoryName(project.StatePath)!, "streams", "readings");
        var one = Encoding.UTF8.GetBytes("""{"household":"h1","at":"2026-03-01T12:00:10Z","kwh":1.5}""");
        var batch = StreamLog.EventsPayload(Enumerable.Repeat<ReadOnlyMemory<byte>>(one, 50_000).ToList());
        using (var log = StreamLog.Open(path, NullLogger.Instance, out _))
            for (var i = 0; i < 20; i++) log.Append(LogRecordKind.Events, batch);

        var port = FreePort();
        await using var engine = await LadleEngine.OpenAsync(project);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(2) };
        var starting = LadleServerHost.StartAsync(engine, new LadleServerOptions { Http = $"127.0.0.1:{port}", Dev = true, Clock = server.Clock },
            logging => logging.SetMinimumLevel(LogLevel.Warning));
        var answers = new List<(HttpStatusCode Status, string? RetryAfter)>();
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (answers.Count == 0 || answers[^1].Status != HttpStatusCode.OK)
        {
            Assert.True(DateTime.UtcNow < deadline, string.Join(", ", answers));
            try
            {
                using var response = await http.PostAsync("/api/v1/streams/readings/events",
                    new StringContent("""{"household":"h2","at":"2026-03-01T12:00:20Z","kwh":2}""", Encoding.UTF8, "application/x-ndjson"));
                answers.Add((response.StatusCode, response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                    Assert.Contains("replaying its log", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
            catch (HttpRequestException) { /* not listening yet */ }
            await Task.Delay(10);
        }
        await using var host = await starting;

        Assert.Contains(answers, a => a.Status == HttpStatusCode.ServiceUnavailable);
        Assert.All(answers.Where(a => a.Status == HttpStatusCode.ServiceUnavailable), a => Assert.Equal("1", a.RetryAfter));
        var status = await http.GetStringAsync("/api/v1/streams/readings");
        Assert.Contains("\"accepted\":1000001", status, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
