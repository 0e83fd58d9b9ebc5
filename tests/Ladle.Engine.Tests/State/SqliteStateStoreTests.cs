using Ladle.Engine.State;
using Microsoft.Data.Sqlite;

namespace Ladle.Engine.Tests.State;

/// <summary>The state store contract on SQLite: a fresh file per test, every handle another connection pool user of it.</summary>
public sealed class SqliteStateStoreTests : StateStoreContract
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ladle-state-" + Guid.NewGuid().ToString("N"));

    private string StatePath => Path.Combine(_folder, "state.db");

    protected override IStateStore Open(TimeProvider clock) => new SqliteStateStore(StatePath, clock);

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

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
