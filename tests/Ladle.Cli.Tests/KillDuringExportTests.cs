using System.Net;

namespace Ladle.Cli.Tests;

/// <summary>
/// The server process killed with SIGKILL while it streams an export: the audit log keeps a "started, not finished"
/// entry saying who was exporting what, and the export's named pipe, left under the project's .ladle/tmp (never the
/// system's temp folder), is removed by the next start.
/// </summary>
public sealed class KillDuringExportTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ladle-export-kill-" + Guid.NewGuid().ToString("N"));

    private string PipeFolder => Path.Combine(_dir, ".ladle", "tmp");

    // About 40 MB of CSV: more than the pipe and socket buffers hold, so the export is mid-stream while the client waits.
    private void WriteProject() => ItemsProject.Write(_dir, "export_kill", 1_000_000);

    [Fact]
    public async Task Export_cut_by_a_kill_is_audited_as_started_and_its_pipe_is_removed_at_the_next_start()
    {
        WriteProject();
        await using (var serve = await ServeProcess.StartAsync(_dir))
        {
            await WaitUntilServedAsync(serve);
            using var response = await serve.Http.GetAsync("/api/v1/datasets/items/rows?format=csv&filter=price:ge:0", HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await using var body = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[64 * 1024];
            Assert.True(await body.ReadAsync(buffer) > 0);
            // Bytes went out and the client stops reading: the export is mid-way when the process dies.
            Assert.Single(Directory.GetFiles(PipeFolder, "ladle-export-*.pipe"));
            await serve.KillAsync();
        }

        Assert.Single(Directory.GetFiles(PipeFolder, "ladle-export-*.pipe"));
        var (code, audit, error) = await LadleProcess.RunAsync("audit", "--project", _dir, "--dataset", "items");
        Assert.True(code == 0, error);
        var line = audit.Split('\n').Single(l => l.Contains("started", StringComparison.Ordinal) && l.Contains("items", StringComparison.Ordinal));
        Assert.Contains("anonymous", line, StringComparison.Ordinal);
        Assert.Contains("price:ge:0", line, StringComparison.Ordinal);
        Assert.Contains("1 read(s) started and never finished", audit, StringComparison.Ordinal);

        await using (var again = await ServeProcess.StartAsync(_dir))
        {
            Assert.Empty(Directory.GetFiles(PipeFolder, "ladle-export-*.pipe"));
            // A whole export completes its entry: no longer counted as unfinished.
            using var whole = await again.Http.GetAsync("/api/v1/datasets/items/rows?format=csv&limit=10");
            Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
            await whole.Content.ReadAsStringAsync();
            var entries = await again.Http.GetStringAsync("/api/v1/audit?dataset=items");
            Assert.Contains("\"status\":\"ok\",\"duration_ms\"", entries.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(entries, "\"status\":\"started\""));
        }
    }

    private static async Task WaitUntilServedAsync(ServeProcess serve)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            using var probe = await serve.Http.GetAsync("/api/v1/datasets/items/rows?limit=1");
            if (probe.StatusCode == HttpStatusCode.OK) return;
            await Task.Delay(100);
        }
        Assert.Fail($"items was never published:\n{serve.Output}");
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
