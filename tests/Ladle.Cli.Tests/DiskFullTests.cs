using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Ladle.Cli.Tests;

/// <summary>
/// A real `ladle serve` whose .ladle folder is a small real filesystem that fills up and frees again: every error
/// names the file and "no space left on device", attempts end failed with that cause (also after a restart), health
/// says writes are unavailable while reads go on, audit entries wait in memory and reach the log once there is room,
/// and starting on a full disk is one line and a non-zero exit.
/// </summary>
public sealed class DiskFullTests : IDisposable
{
    private const string NoSpace = "no space left on device";

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ladle-full-" + Guid.NewGuid().ToString("N"));

    private string StatePath => Path.Combine(_dir, ".ladle", "state.db");

    private void WriteProject(int rows) => ItemsProject.Write(_dir, "full_disk", rows);

    [Fact]
    public async Task Serve_on_a_full_disk_exits_with_one_line_naming_the_file()
    {
        WriteProject(10);
        using var disk = new SmallDisk(Path.Combine(_dir, ".ladle"), 4);
        disk.Fill();

        var (code, output, error) = await LadleProcess.RunAsync("serve", "--project", _dir, "--http", "127.0.0.1:18999", "--dev");

        Assert.NotEqual(0, code);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr, got:\n{error}\nstdout:\n{output}");
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        // The store is opened first (a missing state file is judged against it), so either file may be the one refused.
        Assert.True(lines[0].Contains(StatePath, StringComparison.Ordinal) || lines[0].Contains(Path.Combine(_dir, ".ladle", "store.duckdb"), StringComparison.Ordinal), lines[0]);
        Assert.Contains(NoSpace, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Full_disk_fails_the_attempt_with_its_cause_keeps_reads_and_audit_and_recovers_when_freed()
    {
        WriteProject(300_000);
        using var disk = new SmallDisk(Path.Combine(_dir, ".ladle"), 48);
        await using (var serve = await ServeProcess.StartAsync(_dir))
        {
            await WaitForVersionAsync(serve, 1, "published");

            // Room for the state store's few bytes, not for a new version's table.
            disk.Fill(leaveBytes: 150_000);
            using (var refresh = await serve.Http.PostAsync("/api/v1/datasets/items/refresh?wait=true", null))
            {
                var problem = await refresh.Content.ReadFromJsonAsync<JsonElement>();
                Assert.True(refresh.StatusCode == HttpStatusCode.InsufficientStorage, problem.ToString());
                Assert.Equal("https://ladle.dev/problems/storage-full", problem.GetProperty("type").GetString());
                Assert.Contains(NoSpace, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
                Assert.Contains(Path.Combine(_dir, ".ladle"), problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
                Assert.Equal(2, problem.GetProperty("run").GetProperty("version").GetInt64());
            }
            var failed = (await VersionsAsync(serve))[0];
            Assert.Equal((2L, "failed"), (failed.GetProperty("version").GetInt64(), failed.GetProperty("status").GetString()));
            Assert.Contains(NoSpace, failed.GetProperty("error").GetString(), StringComparison.Ordinal);

            // Now not a byte left: reads go on, health says writes are unavailable, audit entries wait in memory.
            disk.Fill();
            for (var i = 0; i < 20; i++)
            {
                using var read = await serve.Http.GetAsync("/api/v1/datasets/items/rows?limit=5&filter=id:eq:" + (i + 1));
                Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            }
            using (var export = await serve.Http.GetAsync("/api/v1/datasets/items/rows?format=csv"))
            {
                Assert.Equal(HttpStatusCode.OK, export.StatusCode);
                Assert.Equal(300_001, (await export.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
            }
            var health = await serve.Http.GetFromJsonAsync<JsonElement>("/api/v1/health");
            Assert.Equal("failed", health.GetProperty("status").GetString());
            var writes = health.GetProperty("writes");
            Assert.Equal("unavailable", writes.GetProperty("status").GetString());
            Assert.Contains(NoSpace, writes.GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.True(writes.GetProperty("audit_entries_held").GetInt32() >= 20, health.ToString());
            var metrics = await serve.Http.GetStringAsync("/metrics");
            Assert.Contains("ladle_writes_unavailable 1", metrics, StringComparison.Ordinal);
            Assert.Contains("ladle_audit_entries_lost_total 0", metrics, StringComparison.Ordinal);

            // Room again: the held entries reach the audit log (the audit API flushes first), a refresh publishes.
            disk.Free();
            var audit = await serve.Http.GetFromJsonAsync<JsonElement>("/api/v1/audit?dataset=items&limit=1000");
            var reads = audit.GetProperty("entries").EnumerateArray().Where(e => e.GetProperty("action").GetString() == "read").ToList();
            Assert.True(reads.Count >= 21, audit.ToString());
            using (var refresh = await serve.Http.PostAsync("/api/v1/datasets/items/refresh?wait=true", null))
                Assert.True(refresh.StatusCode == HttpStatusCode.OK, await refresh.Content.ReadAsStringAsync());
            health = await serve.Http.GetFromJsonAsync<JsonElement>("/api/v1/health");
            Assert.Equal("ok", health.GetProperty("writes").GetProperty("status").GetString());
            Assert.Equal(0, health.GetProperty("writes").GetProperty("audit_entries_held").GetInt32());
            // Killed only once the failure is on disk (it may have waited in memory for room).
            await WaitForStoredStatusAsync(2, "failed");
            await serve.KillAsync();
        }

        // After a restart the failed attempt still says why it failed, not "interrupted".
        await using (var again = await ServeProcess.StartAsync(_dir))
        {
            var version2 = (await VersionsAsync(again)).Single(v => v.GetProperty("version").GetInt64() == 2);
            Assert.Equal("failed", version2.GetProperty("status").GetString());
            Assert.Contains(NoSpace, version2.GetProperty("error").GetString(), StringComparison.Ordinal);
        }
    }

    private static async Task<List<JsonElement>> VersionsAsync(ServeProcess serve) =>
        (await serve.Http.GetFromJsonAsync<JsonElement>("/api/v1/datasets/items/versions")).GetProperty("versions").EnumerateArray().ToList();

    private static async Task WaitForVersionAsync(ServeProcess serve, long version, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if ((await VersionsAsync(serve)).Any(v => v.GetProperty("version").GetInt64() == version && v.GetProperty("status").GetString() == status)) return;
            await Task.Delay(50);
        }
        Assert.Fail($"version {version} never became {status}:\n{serve.Output}");
    }

    private async Task WaitForStoredStatusAsync(long version, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            await using var connection = new SqliteConnection($"Data Source={StatePath};Mode=ReadOnly;Pooling=False");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT status FROM versions WHERE dataset = 'items' AND version = {version}";
            if ((string?)await command.ExecuteScalarAsync() == status) return;
            await Task.Delay(100);
        }
        Assert.Fail($"version {version} was never stored as {status}");
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
