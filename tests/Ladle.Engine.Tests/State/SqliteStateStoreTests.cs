using Ladle.Engine.State;
using Microsoft.Data.Sqlite;

namespace Ladle.Engine.Tests.State;

/// <summary>The state store contract on SQLite: a fresh file per test, every handle another connection pool user of it.</summary>
public sealed class SqliteStateStoreTests : StateStoreContract
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ladle-state-" + Guid.NewGuid().ToString("N"));

    private string StatePath => Path.Combine(_folder, "state.db");

    protected override IStateStore Open(TimeProvider clock) => new SqliteStateStore(StatePath, clock);

    [Fact]
    public async Task Tokens_of_a_state_file_from_before_scram_verifiers_are_kept_without_one()
    {
        Directory.CreateDirectory(_folder);
        await using (var old = new SqliteConnection($"Data Source={Path.Combine(_folder, "old.db")};Pooling=false"))
        {
            await old.OpenAsync();
            await using var create = old.CreateCommand();
            create.CommandText = """
                CREATE TABLE tokens (id TEXT PRIMARY KEY, principal TEXT NOT NULL, salt TEXT NOT NULL, hash TEXT NOT NULL, created_at TEXT NOT NULL,
                    expires_at TEXT, revoked_at TEXT, last_used_at TEXT, description TEXT);
                INSERT INTO tokens VALUES ('abc', 'alice', 's', 'h', '2026-01-01T00:00:00.0000000Z', NULL, NULL, NULL, 'old');
                """;
            await create.ExecuteNonQueryAsync();
        }
        var store = new SqliteStateStore(Path.Combine(_folder, "old.db"), TimeProvider.System);
        await store.InitializeAsync(CancellationToken.None);
        var kept = await store.FindTokenAsync("abc", CancellationToken.None);
        Assert.Equal("alice", kept!.Principal);
        Assert.Null(kept.ScramVerifier);
        await store.AddTokenAsync(kept with { Id = "def", ScramVerifier = "SCRAM-SHA-256$4096:c2FsdA==$a2V5:a2V5" }, CancellationToken.None);
        Assert.Equal("SCRAM-SHA-256$4096:c2FsdA==$a2V5:a2V5", (await store.FindTokenAsync("def", CancellationToken.None))!.ScramVerifier);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>
/// The same contract through the engine's guard over SQLite: the guard that turns a full disk into one error must
/// change nothing else, for every method.
/// </summary>
public sealed class GuardedSqliteStateStoreTests : StateStoreContract
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ladle-state-" + Guid.NewGuid().ToString("N"));

    protected override IStateStore Open(TimeProvider clock) =>
        StateStoreFactory.Guard(new SqliteStateStore(Path.Combine(_folder, "state.db"), clock), new WriteHealth(clock), clock,
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

    [Fact]
    public async Task A_full_disk_while_the_ledger_folds_before_a_read_is_the_guards_storage_full_error()
    {
        // The SQLite ledger folds its log of acknowledged batches before it reads them: a write on a read's path.
        Directory.CreateDirectory(_folder);
        var file = Path.Combine(_folder, "state.db");
        var (faulty, faults) = FaultyStateStore.Wrap(new SqliteStateStore(file, TimeProvider.System));
        await faulty.InitializeAsync(CancellationToken.None);
        faults.Fault = (method, _) => method == nameof(ISyncLedger.CompactSyncLedgerAsync)
            ? Task.FromException(new SqliteException("database or disk is full", 13))
            : null;
        var health = new WriteHealth();
        var guarded = StateStoreFactory.Guard(faulty, health, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

        var full = await Assert.ThrowsAsync<StorageFullException>(async () =>
        {
            await foreach (var _ in guarded.ReadAcknowledgedAsync("crm", CancellationToken.None)) { }
        });
        Assert.Contains("state.db", full.Message, StringComparison.Ordinal);
        Assert.False(health.Available);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
