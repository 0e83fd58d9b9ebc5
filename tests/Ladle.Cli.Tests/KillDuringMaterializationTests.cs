using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ladle.Engine.Store;
using Microsoft.Data.Sqlite;

namespace Ladle.Cli.Tests;

/// <summary>
/// The server process killed with SIGKILL (or stopped with SIGTERM) while it builds a version: after a restart the
/// last good version is served whole, the interrupted attempt is recorded as interrupted, left nowhere in the store
/// and run again at once (trigger recovery) without an incident, and refreshing works.
/// </summary>
public sealed class KillDuringMaterializationTests : IDisposable
{
    // Enough rows that streaming them from SQLite into the store takes seconds, so the kill lands mid-build.
    private const int BigRows = 3_000_000;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ladle-kill-" + Guid.NewGuid().ToString("N"));

    private string Crm => Path.Combine(_dir, "data", "crm.sqlite");

    private void WriteProject(string? schedule = null)
    {
        Directory.CreateDirectory(Path.Combine(_dir, "datasets"));
        Directory.CreateDirectory(Path.Combine(_dir, "data"));
        File.WriteAllText(Path.Combine(_dir, "ladle.yaml"), """
            name: kill_test
            sources:
              crm:
                kind: sqlite
                path: data/crm.sqlite
            """);
        File.WriteAllText(Path.Combine(_dir, "datasets", "items.yaml"), $$"""
            name: items
            source: crm
            table: items
            primary_key: [id]
            {{(schedule is null ? "" : $"schedule: \"{schedule}\"")}}
            columns:
              - name: id
                type: integer
              - name: name
                type: string
              - name: price
                type: double
            """);
        Sqlite("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL)");
        Sqlite(InsertUpTo(1_000));
    }

    private static string InsertUpTo(int rows) =>
        $"WITH RECURSIVE n(i) AS (SELECT (SELECT coalesce(max(id), 0) + 1 FROM items) UNION ALL SELECT i + 1 FROM n WHERE i < {rows}) " +
        "INSERT INTO items SELECT i, 'item number ' || i, i * 0.25 FROM n";

    private void Sqlite(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Crm};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static async Task<List<JsonElement>> VersionsAsync(ServeProcess serve) =>
        (await serve.Http.GetFromJsonAsync<JsonElement>("/api/v1/datasets/items/versions")).GetProperty("versions").EnumerateArray().ToList();

    private static async Task<JsonElement> WaitForVersionAsync(ServeProcess serve, long version, string status, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (DateTime.UtcNow < deadline)
        {
            var match = (await VersionsAsync(serve)).FirstOrDefault(v => v.GetProperty("version").GetInt64() == version);
            if (match.ValueKind != JsonValueKind.Undefined && match.GetProperty("status").GetString() == status) return match;
            await Task.Delay(20);
        }
        Assert.Fail($"version {version} never became {status}; versions: {JsonSerializer.Serialize(await VersionsAsync(serve))}\n{serve.Output}");
        return default;
    }

    /// <summary>The served rows as CSV: the version header and the number of data lines.</summary>
    private static async Task<(string Version, int Rows)> ServedAsync(ServeProcess serve)
    {
        using var response = await serve.Http.GetAsync("/api/v1/datasets/items/rows?format=csv");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return (response.Headers.GetValues("Ladle-Dataset-Version").Single(), lines.Length - 1);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Server_stopped_mid_materialization_restarts_serving_the_last_good_version_and_runs_the_build_again(bool killed)
    {
        WriteProject();
        await using (var first = await ServeProcess.StartAsync(_dir))
        {
            // Never published, so `ladle serve` builds it at start through the scheduler.
            var v1 = await WaitForVersionAsync(first, 1, "published");
            Assert.Equal("startup", v1.GetProperty("trigger").GetString());
            Assert.Equal(("1", 1_000), await ServedAsync(first));

            Sqlite(InsertUpTo(BigRows));
            using var refresh = await first.Http.PostAsync("/api/v1/datasets/items/refresh", null);
            Assert.Equal(HttpStatusCode.Accepted, refresh.StatusCode);
            await WaitForVersionAsync(first, 2, "building");
            // Let rows start streaming into the version's table, then make sure it is still mid-build.
            await Task.Delay(300);
            Assert.Equal("building", (await VersionsAsync(first))[0].GetProperty("status").GetString());
            if (killed) await first.KillAsync();
            else await first.TerminateAsync();
        }

        // The next version must be distinguishable from the first, and quick to build.
        Sqlite("DELETE FROM items WHERE id > 2000");
        await using (var second = await ServeProcess.StartAsync(_dir))
        {
            // The interrupted refresh is owed: it runs again at start, not at some later request or tick.
            var v3 = await WaitForVersionAsync(second, 3, "published");
            Assert.Equal("recovery", v3.GetProperty("trigger").GetString());
            var versions = await VersionsAsync(second);
            Assert.Equal([3L, 2L, 1L], versions.Select(v => v.GetProperty("version").GetInt64()));
            Assert.Equal("interrupted", versions[1].GetProperty("status").GetString());
            Assert.StartsWith("interrupted", versions[1].GetProperty("error").GetString(), StringComparison.Ordinal);
            Assert.Equal("api", versions[1].GetProperty("trigger").GetString());
            Assert.Equal(("3", 2_000), await ServedAsync(second));

            using var refresh = await second.Http.PostAsync("/api/v1/datasets/items/refresh?wait=true", null);
            var run = await refresh.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(refresh.StatusCode == HttpStatusCode.OK, run.ToString());
            Assert.Equal(4, run.GetProperty("version").GetInt64());
            Assert.Equal(("4", 2_000), await ServedAsync(second));
            await second.KillAsync();
        }

        // Nothing of version 2 is left in the store: recovery dropped what the interrupted build had written.
        using (var store = new DuckDbStore(Path.Combine(_dir, ".ladle", "store.duckdb")))
            Assert.Equal(new[] { 1L, 3L, 4L }.Select(v => DuckDbStore.VersionTableName("items", v)), store.ListVersionTables().Order());
        // Ladle stopping is not the data failing: no incident, so no alert.
        Assert.Equal(0L, Incidents());
    }

    [Fact]
    public async Task Server_killed_during_a_scheduled_build_runs_it_again_at_start_without_an_incident()
    {
        WriteProject(schedule: "* * * * *");
        // The real cron ticks every minute: start well before a tick, so the start-up build publishes v1 from the
        // small source and the next tick is the one that reads the big rows.
        await AwayFromMinuteBoundaryAsync();
        await using (var first = await ServeProcess.StartAsync(_dir))
        {
            await WaitForVersionAsync(first, 1, "published");
            Sqlite(InsertUpTo(BigRows));
            // The next minute's tick builds version 2 from the big source; kill it mid-build.
            var v2 = await WaitForVersionAsync(first, 2, "building", TimeSpan.FromSeconds(90));
            Assert.Equal("schedule", v2.GetProperty("trigger").GetString());
            await Task.Delay(300);
            Assert.Equal("building", (await VersionsAsync(first)).First(v => v.GetProperty("version").GetInt64() == 2).GetProperty("status").GetString());
            await first.KillAsync();
        }

        Sqlite("DELETE FROM items WHERE id > 2000");
        // Likewise: the recovery run at start, not a tick that happens to fall in the same seconds, must make v3.
        await AwayFromMinuteBoundaryAsync();
        await using (var second = await ServeProcess.StartAsync(_dir))
        {
            // The tick's run was interrupted, so it is owed now; the next tick is not the catch-up.
            var v3 = await WaitForVersionAsync(second, 3, "published");
            Assert.Equal("recovery", v3.GetProperty("trigger").GetString());
            Assert.Equal("interrupted", (await VersionsAsync(second)).First(v => v.GetProperty("version").GetInt64() == 2).GetProperty("status").GetString());
            await second.KillAsync();
        }
        Assert.Equal(0L, Incidents());
    }

    /// <summary>Waits past the next minute boundary when it is less than 20 seconds away (a real process, a real clock).</summary>
    private static async Task AwayFromMinuteBoundaryAsync()
    {
        var now = DateTime.UtcNow;
        var left = TimeSpan.FromMinutes(1) - TimeSpan.FromTicks(now.Ticks % TimeSpan.TicksPerMinute);
        if (left < TimeSpan.FromSeconds(20)) await Task.Delay(left + TimeSpan.FromSeconds(1));
    }

    private long Incidents()
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_dir, ".ladle", "state.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM incidents";
        return (long)command.ExecuteScalar()!;
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
