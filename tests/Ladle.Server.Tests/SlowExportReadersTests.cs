using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Ladle.Engine.Serving;
using Microsoft.Extensions.DependencyInjection;

namespace Ladle.Server.Tests;

/// <summary>
/// Clients that start an export and stop reading hold DuckDB's writer and its pipe: those must be threads of the
/// export's own, never the thread pool that answers everyone else, and how many may stream at once is bounded.
/// The exported table (~25 MB of CSV) is far larger than every buffer between DuckDB and a client that stopped.
/// </summary>
public sealed class SlowExportReadersTests
{
    private const int Rows = 300_000;

    private static Task<LoopbackServer> StartAsync(string serverSettings) => LoopbackServer.StartAsync(root =>
    {
        LoopbackServer.File(root, "ladle.yaml", "name: big\nsources:\n  files:\n    kind: files\n    path: data\nserver:\n" + serverSettings);
        var csv = new StringBuilder(Rows * 90).Append("id,label\n");
        for (var i = 0; i < Rows; i++) csv.Append(i).Append(",row ").Append(i).Append(' ').Append('x', 70).Append('\n');
        LoopbackServer.File(root, "data/big.csv", csv.ToString());
        LoopbackServer.File(root, "datasets/big.yaml", "name: big\nsource: files\ntable: big.csv\nprimary_key: [id]\ncolumns:\n  - { name: id, type: integer }\n  - { name: label, type: string }\n");
    });

    /// <summary>Starts an export on a raw socket, reads until its status line arrived, and then reads nothing more.</summary>
    private static async Task<(TcpClient Client, string StatusLine)> StartSlowReaderAsync(Uri address, string path)
    {
        var client = new TcpClient { ReceiveBufferSize = 4096 };
        await client.ConnectAsync(address.Host, address.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {address.Authority}\r\n\r\n"));
        var line = new StringBuilder();
        var one = new byte[1];
        while (await stream.ReadAsync(one) == 1 && one[0] != '\n') line.Append((char)one[0]);
        return (client, line.ToString().TrimEnd('\r'));
    }

    private static async Task<TimeSpan> TimeHealthzAsync(HttpClient http)
    {
        var clock = Stopwatch.StartNew();
        using var response = await http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return clock.Elapsed;
    }

    /// <summary>
    /// Waits until this process uses under a tenth of a core over half a second, at most 15 s: well inside the
    /// half minute a starved thread pool took to grow enough to answer again.
    /// </summary>
    private static async Task StalledAsync()
    {
        using var self = Process.GetCurrentProcess();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        var quiet = 0;
        while (quiet < 2 && DateTime.UtcNow < deadline)
        {
            self.Refresh();
            var before = self.TotalProcessorTime;
            await Task.Delay(500);
            self.Refresh();
            quiet = self.TotalProcessorTime - before < TimeSpan.FromMilliseconds(50) ? quiet + 1 : 0;
        }
    }

    [Fact]
    public async Task Healthz_answers_in_under_100ms_while_fifty_clients_have_stopped_reading_exports()
    {
        await using var server = await StartAsync("  max_exports: 64\n  max_exports_per_principal: 64\n");
        var readers = new List<TcpClient>();
        try
        {
            // CSV: uncompressed, so every one of them is far larger than the buffers and stalls on its client.
            var started = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => StartSlowReaderAsync(server.Http.BaseAddress!, "/api/v1/datasets/big/rows?format=csv")));
            readers.AddRange(started.Select(s => s.Client));
            Assert.All(started, s => Assert.Equal("HTTP/1.1 200 OK", s.StatusLine));
            Assert.Equal(50, server.Services.GetRequiredService<ReadPipeline>().Exports.Running);

            // The readers stopped: once every buffer between DuckDB and them is full the exports stall and use no
            // CPU. That is the state to measure in (before it, /healthz competes with fifty encoders for two cores).
            await StalledAsync();

            // Warm the client's connection, then take the median of several, so one scheduling hiccup on a busy
            // machine does not decide; before, every one of these waited ~30 s for a free pool thread.
            await TimeHealthzAsync(server.Http);
            var timings = new List<TimeSpan>();
            for (var i = 0; i < 7; i++) timings.Add(await TimeHealthzAsync(server.Http));
            var median = timings.Order().ElementAt(timings.Count / 2);
            Assert.True(median < TimeSpan.FromMilliseconds(100), $"/healthz took {string.Join(", ", timings.Select(t => $"{t.TotalMilliseconds:0} ms"))}");
            // The stalled exports hold threads of their own: were each holding a pool thread, the pool would have grown past them.
            Assert.True(ThreadPool.ThreadCount < 50, $"{ThreadPool.ThreadCount} thread-pool threads while 50 exports are stalled");

            // Small reads answer too.
            using var page = await server.Http.GetAsync("/api/v1/datasets/big/rows?limit=3");
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        }
        finally
        {
            foreach (var reader in readers) reader.Dispose();
        }
    }

    [Fact]
    public async Task Exports_past_the_per_principal_limit_are_refused_with_429_until_one_finishes()
    {
        await using var server = await StartAsync("  max_exports_per_principal: 2\n");
        var first = await StartSlowReaderAsync(server.Http.BaseAddress!, "/api/v1/datasets/big/rows?format=csv");
        var second = await StartSlowReaderAsync(server.Http.BaseAddress!, "/api/v1/datasets/big/rows?format=parquet");
        try
        {
            Assert.Equal("HTTP/1.1 200 OK", first.StatusLine);
            Assert.Equal("HTTP/1.1 200 OK", second.StatusLine);
            using (var third = await server.Http.GetAsync("/api/v1/datasets/big/rows?format=csv", HttpCompletionOption.ResponseHeadersRead))
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
                Assert.NotNull(third.Headers.RetryAfter);
                var problem = JsonDocument.Parse(await third.Content.ReadAsStringAsync()).RootElement;
                Assert.Contains("server.max_exports_per_principal: 2", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            }
            // Pages are not exports: they still answer.
            using (var page = await server.Http.GetAsync("/api/v1/datasets/big/rows?limit=3"))
                Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        }
        finally
        {
            first.Client.Dispose();
        }
        // The client that left frees its place (its export is stopped); then an export is served again.
        var gate = server.Services.GetRequiredService<ReadPipeline>().Exports;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (gate.Running > 1 && DateTime.UtcNow < deadline) await Task.Delay(50);
        using (var again = await server.Http.GetAsync("/api/v1/datasets/big/rows?format=csv&columns=id&filter=id:lt:10"))
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        second.Client.Dispose();
    }
}
