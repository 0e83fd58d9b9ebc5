namespace Ladle.Engine.State;

/// <summary>
/// Ladle's own records, one interface per concern: the version ledger, check results, incidents, tokens, the audit
/// log and run leases. This composite is what <see cref="StateStoreFactory"/> opens and what owns the connection(s);
/// a part should take only the concern it uses (<see cref="ITokenStore"/>, <see cref="IAuditStore"/>, …). The backends
/// are SQLite (<see cref="SqliteStateStore"/>, one machine) and PostgreSQL (<see cref="PostgresStateStore"/>, shared
/// by several nodes); every backend passes the same contract tests.
/// </summary>
public interface IStateStore : IVersionLedger, ICheckResultStore, IIncidentStore, ITokenStore, IAuditStore, IRunLock, ISyncLedger, IWebSessionStore, IAsyncDisposable
{
    /// <summary>Creates or upgrades the schema; safe to call on every start.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Where the state lives, for messages (the SQLite file's path).</summary>
    string Location { get; }
}
