using Npgsql;

namespace Ladle.Syncs.Tests;

/// <summary>Syncs into a real PostgreSQL table (LADLE_TEST_PG), from real DuckDB and SQLite files.</summary>
public sealed class PostgresSyncTests : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly SyncProject _project = new();
    private readonly string _table = "sync_" + Guid.NewGuid().ToString("N")[..12];
    private readonly string _connection = Environment.GetEnvironmentVariable("LADLE_TEST_PG")
        ?? throw new InvalidOperationException("LADLE_TEST_PG is not set: run the tests through ./test.sh, which starts PostgreSQL on loopback");

    public async Task InitializeAsync()
    {
        _project.Environment["CRM_PG"] = _connection;
        await ExecuteAsync($"CREATE TABLE {_table} (external_id bigint PRIMARY KEY, email text, churn_risk double precision, segment text)");
    }

    public async Task DisposeAsync()
    {
        await _project.DisposeAsync();
        await ExecuteAsync($"DROP TABLE IF EXISTS {_table}");
    }

    private string Sync(string mode, string extra = "") =>
        "source: { dataset: customers }\nprincipal: crm_sync\n" +
        $"destination: {{ kind: postgres, connection_env: CRM_PG, table: {_table} }}\n" +
        "key: { source: id, destination: external_id }\n" +
        "fields:\n  - email\n  - { source: score, destination: churn_risk, type: double }\n  - { source: tier, destination: segment }\n" +
        $"mode: {mode}\nbatch_size: 7\n{extra}\n";

    [Fact]
    public async Task Mirror_deletes_exactly_the_rows_that_left_the_source()
    {
        _project.Customers(SyncProject.Range(1, 30)).Sync("mirror", Sync("mirror", "thresholds: { max_delete_share: 50% }"));
        await _project.OpenAsync();
        Assert.True(await _project.PublishAsync());
        var first = await _project.Service.RunAsync("mirror", "test", None);
        Assert.Equal(("succeeded", 30L), (first.Status, first.Acknowledged));
        Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), await KeysAsync());

        var left = new HashSet<int> { 3, 17, 29 };
        _project.Customers(SyncProject.Range(1, 30).Where(r => !left.Contains((int)r.Id!.Value)).Concat(SyncProject.Range(31, 32)));
        Assert.True(await _project.PublishAsync());
        var plan = await _project.Service.PlanAsync("mirror", None);
        Assert.Equal((2, 0, 3), (plan.Counts.Creates, plan.Counts.Updates, plan.Counts.Deletes));
        Assert.Equal(["17", "29", "3"], plan.Samples.Where(s => s.Kind == "delete").Select(s => s.Key));

        var second = await _project.Service.RunAsync("mirror", "test", None);
        Assert.Equal(("succeeded", 5L), (second.Status, second.Acknowledged));
        Assert.Equal(Enumerable.Range(1, 32).Where(i => !left.Contains(i)).Select(i => (long)i), await KeysAsync());
        Assert.Equal(0, (await _project.Service.PlanAsync("mirror", None)).Counts.ToSend);
    }

    [Fact]
    public async Task A_mirror_that_would_delete_more_than_its_share_sends_nothing()
    {
        _project.Customers(SyncProject.Range(1, 10)).Sync("mirror", Sync("mirror", "thresholds: { max_delete_share: 20% }"));
        await _project.OpenAsync();
        await _project.PublishAsync();
        await _project.Service.RunAsync("mirror", "test", None);
        _project.Customers(SyncProject.Range(1, 5));
        await _project.PublishAsync();
        var run = await _project.Service.RunAsync("mirror", "test", None);
        Assert.Equal("broken", run.Status);
        Assert.Contains("max_delete_share", run.Error);
        Assert.Equal(0, run.Sent);
        Assert.Equal(10, (await KeysAsync()).Count);
    }

    [Fact]
    public async Task Upsert_writes_converted_values_and_updates_changed_rows_in_place()
    {
        _project.Customers(SyncProject.Range(1, 3)).Sync("up", Sync("upsert"));
        await _project.OpenAsync();
        await _project.PublishAsync();
        await _project.Service.RunAsync("up", "test", None);
        _project.Customers(SyncProject.Range(1, 3, score: i => i == 2 ? "0.25" : "1"));
        await _project.PublishAsync();
        var run = await _project.Service.RunAsync("up", "test", None);
        Assert.Equal(2, run.Updates);
        await using var connection = new NpgsqlConnection(_connection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT churn_risk FROM {_table} WHERE external_id = 2", connection);
        Assert.Equal(0.25, (double)(await command.ExecuteScalarAsync())!);
        Assert.Equal(3, (await KeysAsync()).Count);
    }

    [Fact]
    public async Task Update_mode_rejects_a_key_the_table_does_not_hold_and_a_value_the_table_refuses_only_for_that_row()
    {
        await ExecuteAsync($"INSERT INTO {_table} (external_id) VALUES (1), (2), (3)");
        await ExecuteAsync($"ALTER TABLE {_table} ADD CONSTRAINT risk_range CHECK (churn_risk <= 1)");
        _project.Customers(SyncProject.Range(1, 4, score: i => i == 3 ? "5" : "0.5")).Sync("upd", Sync("update"));
        await _project.OpenAsync();
        await _project.PublishAsync();
        var run = await _project.Service.RunAsync("upd", "test", None);
        Assert.Equal(("partial", 2L, 2L), (run.Status, run.Acknowledged, run.Rejected));
        var rejections = (await _project.Service.RejectionsAsync("upd", 10, None)).ToDictionary(r => r.Key, r => r.Reason);
        Assert.StartsWith("23514", rejections["3"]);
        Assert.Contains("no record", rejections["4"]);
    }

    [Fact]
    public async Task A_create_of_a_key_the_table_already_holds_is_upserted_in_upsert_mode()
    {
        // Written by someone else: the sync's creates (COPY'd straight into the table) meet a key it holds.
        await ExecuteAsync($"INSERT INTO {_table} (external_id, email) VALUES (2, 'old@x.com')");
        _project.Customers(SyncProject.Range(1, 3)).Sync("up", Sync("upsert"));
        await _project.OpenAsync();
        await _project.PublishAsync();
        var run = await _project.Service.RunAsync("up", "test", None);
        Assert.Equal(("succeeded", 3L, 3L), (run.Status, run.Creates, run.Acknowledged));
        Assert.Equal([1L, 2L, 3L], await KeysAsync());
        await using var connection = new NpgsqlConnection(_connection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT email FROM {_table} WHERE external_id = 2", connection);
        Assert.NotEqual("old@x.com", (string)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task A_create_of_a_key_the_table_already_holds_is_rejected_in_insert_mode_and_the_rest_is_inserted()
    {
        await ExecuteAsync($"INSERT INTO {_table} (external_id, email) VALUES (2, 'old@x.com')");
        _project.Customers(SyncProject.Range(1, 3)).Sync("ins", Sync("insert"));
        await _project.OpenAsync();
        await _project.PublishAsync();
        var run = await _project.Service.RunAsync("ins", "test", None);
        Assert.Equal(("partial", 2L, 1L), (run.Status, run.Acknowledged, run.Rejected));
        Assert.StartsWith("23505", Assert.Single(await _project.Service.RejectionsAsync("ins", 10, None)).Reason);
        Assert.Equal([1L, 2L, 3L], await KeysAsync());
    }

    private async Task<List<long>> KeysAsync()
    {
        await using var connection = new NpgsqlConnection(_connection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT external_id FROM {_table} ORDER BY 1", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var keys = new List<long>();
        while (await reader.ReadAsync()) keys.Add(reader.GetInt64(0));
        return keys;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_connection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
