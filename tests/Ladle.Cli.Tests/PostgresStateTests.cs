using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Ladle.Cli.Tests;

/// <summary>
/// A project whose state is on PostgreSQL (<c>state: { kind: postgres, connection_env: … }</c>): the real `ladle`
/// materializes and serves from it, says what is wrong when the variable is missing or the server is down, and two
/// processes with their own stores sharing the state never build one dataset at once, a killed one's run being taken
/// over by the other.
/// </summary>
public sealed class PostgresStateTests : IAsyncDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "ladle-pgstate-" + Guid.NewGuid().ToString("N"));
    private readonly string _schema = "cli_" + Guid.NewGuid().ToString("N")[..12];
    private readonly string _variable = "LADLE_TEST_STATE_PG_" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();
    private readonly string _connectionString = Environment.GetEnvironmentVariable("LADLE_TEST_PG")
        ?? throw new InvalidOperationException("LADLE_TEST_PG is not set: run the tests through ./test.sh, which starts PostgreSQL on loopback");

    public PostgresStateTests() =>
        // Child processes inherit this process's environment; the name is this test's own.
        Environment.SetEnvironmentVariable(_variable, _connectionString);

    /// <summary>A node: a project folder of its own (its own store) whose state is this test's schema.</summary>
    private string Node(string name, int rows, string? variable = null, bool shared = false)
    {
        var dir = Path.Combine(_root, name);
        ItemsProject.Write(dir, "pgstate", rows);
        File.AppendAllText(Path.Combine(dir, "ladle.yaml"), $"""

            state:
              kind: postgres
              connection_env: {variable ?? _variable}
              schema: {_schema}
            """);
        if (shared) File.AppendAllText(Path.Combine(dir, "ladle.yaml"), $"\nstorage:\n  kind: folder\n  path: {SharedFolder}\n");
        return dir;
    }

    private string SharedFolder => Path.Combine(_root, "shared");

    [Fact]
    public async Task A_project_with_its_state_on_postgres_materializes_and_serves_from_it()
    {
        var dir = Node("a", 1_000);
        var materialize = await LadleProcess.RunAsync("materialize", "--project", dir);
        Assert.True(materialize.ExitCode == 0, materialize.Out + materialize.Err);
        Assert.Equal([(1L, "published")], await VersionsInPostgresAsync());
        Assert.False(File.Exists(Path.Combine(dir, ".ladle", "state.db")), "no SQLite state beside a postgres one");

        await using var serve = await ServeProcess.StartAsync(dir);
        var versions = await serve.Http.GetFromJsonAsync<JsonElement>("/api/v1/datasets/items/versions");
        Assert.Equal("published", versions.GetProperty("versions")[0].GetProperty("status").GetString());
        using var refresh = await serve.Http.PostAsync("/api/v1/datasets/items/refresh?wait=true", null);
        Assert.True(refresh.StatusCode == HttpStatusCode.OK, await refresh.Content.ReadAsStringAsync() + serve.Output);
        using var rows = await serve.Http.GetAsync("/api/v1/datasets/items/rows?format=csv");
        Assert.Equal(HttpStatusCode.OK, rows.StatusCode);
        Assert.Equal("2", rows.Headers.GetValues("Ladle-Dataset-Version").Single());
        Assert.Equal(1_001, (await rows.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal([(2L, "published"), (1L, "published")], await VersionsInPostgresAsync());
        await serve.TerminateAsync();
    }

    [Fact]
    public async Task A_missing_connection_variable_is_named_with_where_the_state_is_set()
    {
        var dir = Node("a", 10, variable: _variable + "_UNSET");
        var (code, output, error) = await LadleProcess.RunAsync("materialize", "--project", dir);
        Assert.Equal(1, code);
        Assert.Contains($"ladle.yaml:7:3: the state store (kind: postgres) has no connection string: the environment variable {_variable}_UNSET is not set",
            error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_state_server_is_named_without_its_password()
    {
        var down = _variable + "_DOWN";
        Environment.SetEnvironmentVariable(down, "Host=127.0.0.1;Port=1;Username=ladle;Password=hunter2-secret;Database=ladle;Timeout=5");
        var dir = Node("a", 10, variable: down);
        var (code, output, error) = await LadleProcess.RunAsync("materialize", "--project", dir);
        Assert.Equal(1, code);
        Assert.Contains("the state store at postgres://127.0.0.1:1/ladle (schema", error, StringComparison.Ordinal);
        Assert.Contains($"is unreachable", error, StringComparison.Ordinal);
        Assert.Contains($"{down} (state: at ladle.yaml:7:3)", error, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2-secret", output + error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_nodes_never_build_one_dataset_at_once_and_a_killed_builders_run_is_taken_over()
    {
        var nodeA = Node("a", 1_000, shared: true);
        var nodeB = Node("b", 1_000, shared: true);
        await using (var a = await ServeProcess.StartAsync(nodeA))
        {
            await WaitForAsync(a, 1, "published");
            // Enough rows that the next build takes seconds, so the other node asks while it runs.
            Sqlite(nodeA, $"WITH RECURSIVE n(i) AS (SELECT 1001 UNION ALL SELECT i + 1 FROM n WHERE i < 5000000) INSERT INTO items SELECT i, 'item number ' || i, i * 0.25 FROM n");
            using var refresh = await a.Http.PostAsync("/api/v1/datasets/items/refresh", null);
            Assert.Equal(HttpStatusCode.Accepted, refresh.StatusCode);
            await WaitForAsync(a, 2, "building");

            // Node B (its own folder and store, the same state) is refused while A builds: no second build, no version.
            var refused = await LadleProcess.RunAsync("materialize", "--project", nodeB, "items");
            Assert.True(await StatusInPostgresAsync(2) == "building", "node A finished before node B asked: the test proves nothing\n" + refused.Out + refused.Err);
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("failed (conflict)", refused.Out, StringComparison.Ordinal);
            Assert.Contains("another process is", refused.Out, StringComparison.Ordinal);
            Assert.Equal([(2L, "building"), (1L, "published")], await VersionsInPostgresAsync());

            await a.KillAsync();
        }

        // A was killed mid-build; its lease names a process of this machine that is gone, so B takes the run at once.
        var taken = await LadleProcess.RunAsync("materialize", "--project", nodeB, "items");
        Assert.True(taken.ExitCode == 0, taken.Out + taken.Err);
        var versions = await VersionsInPostgresAsync();
        Assert.Equal((3L, "published"), versions[0]);
        Assert.Equal((2L, "interrupted"), versions[1]);
        Assert.Equal((1L, "published"), versions[2]);
        Assert.Equal(3, versions.Count);
        // The shared folder holds the published versions, whole, and nothing of the killed build's.
        Assert.True(File.Exists(Path.Combine(SharedFolder, "items", "v1", "data.parquet")));
        Assert.True(File.Exists(Path.Combine(SharedFolder, "items", "v3", "data.parquet")));
        Assert.False(Directory.Exists(Path.Combine(SharedFolder, "items", "v2")), "the killed build's version was shared");
    }

    private static void Sqlite(string dir, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dir, "data", "crm.sqlite")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private async Task WaitForAsync(ServeProcess serve, long version, string status)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (await StatusInPostgresAsync(version) == status) return;
            await Task.Delay(20);
        }
        Assert.Fail($"version {version} never became {status}; versions: {string.Join(", ", await VersionsInPostgresAsync())}\n{serve.Output}");
    }

    private async Task<string?> StatusInPostgresAsync(long version) =>
        (await VersionsInPostgresAsync()).Where(v => v.Version == version).Select(v => v.Status).FirstOrDefault();

    /// <summary>The versions of 'items' as the shared state records them, newest first.</summary>
    private async Task<List<(long Version, string Status)>> VersionsInPostgresAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var exists = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL", connection);
        exists.Parameters.AddWithValue(_schema + ".versions");
        if (!(bool)(await exists.ExecuteScalarAsync())!) return [];
        await using var command = new NpgsqlCommand($"SELECT version, status FROM {_schema}.versions WHERE dataset = 'items' ORDER BY version DESC", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var versions = new List<(long, string)>();
        while (await reader.ReadAsync()) versions.Add((reader.GetInt64(0), reader.GetString(1)));
        return versions;
    }

    public async ValueTask DisposeAsync()
    {
        await using (var connection = new NpgsqlConnection(_connectionString))
        {
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {_schema} CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
