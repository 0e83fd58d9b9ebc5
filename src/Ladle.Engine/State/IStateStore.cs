namespace Ladle.Engine.State;

/// <summary>
/// Ladle's own records (versions and runs now; checks, tokens and audit in later layers). Embedded SQLite by
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

    /// <summary>Marks versions left building by a process that died as failed; returns how many.</summary>
    Task<int> FailInterruptedAsync(string reason, DateTimeOffset at, CancellationToken cancellationToken);
}
