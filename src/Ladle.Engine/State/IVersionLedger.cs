namespace Ladle.Engine.State;

/// <summary>
/// The version ledger: every materialization attempt of every dataset, from building to published, quarantined,
/// failed, interrupted or dropped. Version numbers are allocated here, once each, per dataset.
/// </summary>
public interface IVersionLedger
{
    /// <summary>Allocates the next version number of a dataset and records it as building.</summary>
    Task<VersionRecord> BeginVersionAsync(string dataset, string trigger, DateTimeOffset startedAt, CancellationToken cancellationToken);

    /// <summary>Marks a building version published.</summary>
    Task PublishVersionAsync(string dataset, long version, long rowCount, string? watermark, DateTimeOffset publishedAt, CancellationToken cancellationToken);

    /// <summary>Marks a building version failed with the reason.</summary>
    Task FailVersionAsync(string dataset, long version, string error, DateTimeOffset finishedAt, CancellationToken cancellationToken);

    /// <summary>Marks a published (or quarantined) version dropped: its data is gone from the store.</summary>
    Task MarkDroppedAsync(string dataset, long version, CancellationToken cancellationToken);

    /// <summary>Versions of a dataset, newest first.</summary>
    Task<IReadOnlyList<VersionRecord>> ListVersionsAsync(string dataset, int limit, CancellationToken cancellationToken);

    /// <summary>Every version still published (served or retained), by dataset, newest first per dataset.</summary>
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

    /// <summary>
    /// Marks versions left building by a process that died as interrupted (owed a run); returns how many. A version
    /// whose dataset has a live run lease (<see cref="IRunLock"/>, named after the dataset) is being built by a process
    /// that still runs, another node say, and is left alone.
    /// </summary>
    Task<int> FailInterruptedAsync(string reason, DateTimeOffset at, CancellationToken cancellationToken);
}
