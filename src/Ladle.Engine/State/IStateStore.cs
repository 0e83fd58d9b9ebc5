namespace Ladle.Engine.State;

/// <summary>
/// Ladle's own records: versions and runs, check results, incidents, tokens and the audit log. Embedded SQLite by
/// default; a shared PostgreSQL implementation lets several nodes serve one project.
/// </summary>
public interface IStateStore : IAsyncDisposable
{
    /// <summary>Creates or upgrades the schema; safe to call on every start.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Allocates the next version number of a dataset and records it as building.</summary>
    Task<VersionRecord> BeginVersionAsync(string dataset, string trigger, DateTimeOffset startedAt, CancellationToken cancellationToken);

    /// <summary>Marks a building version published.</summary>
    Task PublishVersionAsync(string dataset, long version, long rowCount, string? watermark, DateTimeOffset publishedAt, CancellationToken cancellationToken);

    /// <summary>Marks a building version failed with the reason.</summary>
    Task FailVersionAsync(string dataset, long version, string error, DateTimeOffset finishedAt, CancellationToken cancellationToken);

    /// <summary>Marks a published version dropped: its data is gone from the store.</summary>
    Task MarkDroppedAsync(string dataset, long version, CancellationToken cancellationToken);

    /// <summary>Versions of a dataset, newest first.</summary>
    Task<IReadOnlyList<VersionRecord>> ListVersionsAsync(string dataset, int limit, CancellationToken cancellationToken);

    /// <summary>Every version still published (served or retained), newest first per dataset.</summary>
    Task<IReadOnlyList<VersionRecord>> ListPublishedAsync(CancellationToken cancellationToken);

    /// <summary>Marks a building version quarantined: its data stays for inspection but is never served.</summary>
    Task QuarantineVersionAsync(string dataset, long version, long rowCount, string reason, DateTimeOffset finishedAt, CancellationToken cancellationToken);

    /// <summary>Quarantined versions of every dataset (their tables are kept until retention removes them).</summary>
    Task<IReadOnlyList<VersionRecord>> ListQuarantinedAsync(CancellationToken cancellationToken);

    /// <summary>Marks a building version interrupted (Ladle stopped first): owed, it runs again at the next start.</summary>
    Task InterruptVersionAsync(string dataset, long version, string reason, DateTimeOffset finishedAt, CancellationToken cancellationToken);

    /// <summary>Every version of every dataset, by dataset then version (start-up compares them with the store's manifest).</summary>
    Task<IReadOnlyList<VersionRecord>> ListAllVersionsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Writes a version record rebuilt from the store's manifest (`ladle recover`): added when the state lacks it,
    /// replaced only when the state still has it building. Returns true when something was written.
    /// </summary>
    Task<bool> RestoreVersionAsync(VersionRecord version, CancellationToken cancellationToken);

    /// <summary>Records the results of one check run.</summary>
    Task RecordCheckResultsAsync(IReadOnlyList<CheckResult> results, CancellationToken cancellationToken);

    /// <summary>Check results of a dataset, newest first; of one version when <paramref name="version"/> is set.</summary>
    Task<IReadOnlyList<CheckResult>> ListCheckResultsAsync(string dataset, long? version, int limit, CancellationToken cancellationToken);

    /// <summary>A check's measured values on the last published versions before <paramref name="beforeVersion"/>, newest first (anomaly history).</summary>
    Task<IReadOnlyList<double>> CheckHistoryAsync(string dataset, string check, long? beforeVersion, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Opens an incident unless one of that kind is open; returns its id when this call opened it. Its opening is
    /// recorded as not yet alerted, in the same write.
    /// </summary>
    Task<long?> OpenIncidentAsync(string dataset, string kind, string reason, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Resolves the open incident of that kind, if any; returns its id when this call resolved it (recorded as not yet alerted).</summary>
    Task<long?> ResolveIncidentAsync(string dataset, string kind, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Records that the alert of an incident's opening (or its resolution) has been dealt with by every channel.</summary>
    Task MarkIncidentAlertedAsync(long incident, bool resolution, CancellationToken cancellationToken);

    /// <summary>Incidents whose opening or resolution was never alerted (the process stopped first), oldest first.</summary>
    Task<IReadOnlyList<UnalertedIncident>> ListUnalertedIncidentsAsync(CancellationToken cancellationToken);

    /// <summary>Incidents of a dataset (or of all when null), newest first.</summary>
    Task<IReadOnlyList<Incident>> ListIncidentsAsync(string? dataset, int limit, CancellationToken cancellationToken);

    /// <summary>Stores a new API token (its salted hash only).</summary>
    Task AddTokenAsync(TokenRecord token, CancellationToken cancellationToken);

    /// <summary>A token by its public id, or null.</summary>
    Task<TokenRecord?> FindTokenAsync(string id, CancellationToken cancellationToken);

    /// <summary>Every token, newest first (without secrets: there are none to show).</summary>
    Task<IReadOnlyList<TokenRecord>> ListTokensAsync(CancellationToken cancellationToken);

    /// <summary>Revokes a token; returns false when there is no such live token.</summary>
    Task<bool> RevokeTokenAsync(string id, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Records when a token was last used (for access reports).</summary>
    Task TouchTokenAsync(string id, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Appends audit entries in one transaction.</summary>
    Task AppendAuditAsync(IReadOnlyList<AuditRecord> entries, CancellationToken cancellationToken);

    /// <summary>
    /// Writes one audit entry at once, outside any batch (the start of a long read, so that a crash mid-way
    /// still leaves it); returns its id for <see cref="CompleteAuditAsync"/>.
    /// </summary>
    Task<long> BeginAuditAsync(AuditRecord entry, CancellationToken cancellationToken);

    /// <summary>Completes entries begun with <see cref="BeginAuditAsync"/>: outcome, rows, bytes, duration (their time stays the start).</summary>
    Task CompleteAuditAsync(IReadOnlyList<(long Id, AuditRecord Entry)> entries, CancellationToken cancellationToken);

    /// <summary>Audit entries, newest first.</summary>
    Task<IReadOnlyList<AuditRecord>> QueryAuditAsync(AuditQuery query, CancellationToken cancellationToken);

    /// <summary>Deletes audit entries older than <paramref name="before"/>; returns how many.</summary>
    Task<int> DeleteAuditBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken);

    /// <summary>Marks versions left building by a process that died as interrupted (owed a run); returns how many.</summary>
    Task<int> FailInterruptedAsync(string reason, DateTimeOffset at, CancellationToken cancellationToken);
}
