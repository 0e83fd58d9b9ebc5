using System.Net;
using Microsoft.Data.Sqlite;

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

    private void WriteProject()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "datasets"));
        Directory.CreateDirectory(Path.Combine(_dir, "data"));
        File.WriteAllText(Path.Combine(_dir, "ladle.yaml"), """
            name: export_kill
            sources:
              crm:
                kind: sqlite
                path: data/crm.sqlite
            """);
        File.WriteAllText(Path.Combine(_dir, "datasets", "items.yaml"), """
            name: items
            source: crm
            table: items
            primary_key: [id]
            columns:
              - { name: id, type: integer }
              - { name: name, type: string }
              - { name: price, type: double }
            """);
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_dir, "data", "crm.sqlite")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        // About 40 MB of CSV: more than the pipe and socket buffers hold, so the export is mid-stream while the client waits.
        command.CommandText = "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL); " +
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000) INSERT INTO items SELECT i, 'item number ' || i, i * 0.25 FROM n";
        command.ExecuteNonQuery();
    }

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
