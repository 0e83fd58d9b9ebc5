namespace Ladle.Engine.State;

/// <summary>
/// Reverse ETL's records (issue 10): each sync's runs, the per-key hash of the mapped fields the destination last
/// acknowledged (what a plan diffs against), and the row ledger — every planned row moves planned → sent →
/// acknowledged | rejected. "Last synced" moves only on acknowledgement: <see cref="AcknowledgeSyncRowsAsync"/>
/// changes the acknowledged hash and clears the owed row in one transaction.
/// </summary>
public interface ISyncLedger
{
    /// <summary>Records a run that starts; returns its id (increasing per store).</summary>
    Task<long> BeginSyncRunAsync(SyncRunRecord run, CancellationToken cancellationToken);

    /// <summary>Updates a run's status, counts, finish time and error.</summary>
    Task UpdateSyncRunAsync(SyncRunRecord run, CancellationToken cancellationToken);

    /// <summary>A sync's runs, newest first.</summary>
    Task<IReadOnlyList<SyncRunRecord>> ListSyncRunsAsync(string sync, int limit, CancellationToken cancellationToken);

    /// <summary>Every key the destination acknowledged and the hash of the fields it holds, in key order.</summary>
    IAsyncEnumerable<(string Key, string Hash)> ReadAcknowledgedAsync(string sync, CancellationToken cancellationToken);

    /// <summary>How many keys the destination holds from this sync (as acknowledged).</summary>
    Task<long> CountAcknowledgedAsync(string sync, CancellationToken cancellationToken);

    /// <summary>Records rows of a plan as owed (planned), replacing an earlier owed entry of the same key (newer data replaces it).</summary>
    Task PlanSyncRowsAsync(string sync, IReadOnlyList<SyncRowEntry> rows, CancellationToken cancellationToken);

    /// <summary>Marks planned rows sent in one batch, before the request leaves.</summary>
    Task MarkSyncRowsSentAsync(string sync, string batchId, IReadOnlyList<string> keys, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>
    /// The destination acknowledged these rows: each key's acknowledged hash becomes the row's (or is forgotten for
    /// a delete) and its owed entry is cleared, in one transaction.
    /// </summary>
    Task AcknowledgeSyncRowsAsync(string sync, IReadOnlyList<SyncRowEntry> rows, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>The destination refused these rows: they stay owed, with its reason.</summary>
    Task RejectSyncRowsAsync(string sync, IReadOnlyList<(string Key, string Reason)> rows, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Sent rows go back to planned (a run stopped before the destination answered; they are owed again).</summary>
    Task ReturnSyncRowsAsync(string sync, IReadOnlyList<string> keys, CancellationToken cancellationToken);

    /// <summary>Owed rows of a sync (all, or one status), in key order, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<SyncRowEntry>> ListSyncRowsAsync(string sync, SyncRowStatus? status, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// A number that changes with every write of a sync's acknowledged hashes (<see cref="AcknowledgeSyncRowsAsync"/>),
    /// so a copy of them kept elsewhere (the planner's, in the store) can tell it is still the ledger's without
    /// reading every key; null when the backend does not keep one (the copy is then rebuilt every time).
    /// </summary>
    Task<long?> ReadAcknowledgedGenerationAsync(string sync, CancellationToken cancellationToken) => Task.FromResult<long?>(null);

    // A run's batches. Each row of a batch moves planned → sent → acknowledged | rejected as above; a backend may keep
    // a batch in flight as one record instead of a row each (a million-row run then writes a few dozen records, not
    // millions of rows), as long as every read above sees the rows once UnpackSyncBatchesAsync has run. The defaults
    // are the row-by-row methods.

    /// <summary>Records one batch's rows as owed (planned), replacing an earlier owed entry of the same key.</summary>
    Task PlanSyncBatchAsync(string sync, string batchId, IReadOnlyList<SyncRowEntry> rows, CancellationToken cancellationToken) =>
        PlanSyncRowsAsync(sync, rows, cancellationToken);

    /// <summary>Marks a planned batch sent, before its request leaves.</summary>
    Task MarkSyncBatchSentAsync(string sync, string batchId, IReadOnlyList<string> keys, DateTimeOffset at, CancellationToken cancellationToken) =>
        MarkSyncRowsSentAsync(sync, batchId, keys, at, cancellationToken);

    /// <summary>
    /// The destination answered a sent batch: <paramref name="acknowledged"/> move the acknowledged state (as
    /// <see cref="AcknowledgeSyncRowsAsync"/>), <paramref name="rejected"/> (each with its <see cref="SyncRowEntry.Reason"/>)
    /// stay owed, and the batch is no longer in flight. The two together are the rows the batch was planned with
    /// (a backend that keeps the batch's rows may acknowledge them from its own record, but the rejected ones).
    /// </summary>
    async Task AcknowledgeSyncBatchAsync(string sync, string batchId, IReadOnlyList<SyncRowEntry> acknowledged, IReadOnlyList<SyncRowEntry> rejected,
        DateTimeOffset at, CancellationToken cancellationToken)
    {
        await AcknowledgeSyncRowsAsync(sync, acknowledged, at, cancellationToken);
        await RejectSyncRowsAsync(sync, rejected.Select(r => (r.Key, r.Reason ?? "")).ToList(), at, cancellationToken);
    }

    /// <summary>Turns batches a stopped run left planned or sent into owed rows of the same status (before a run settles what is in flight).</summary>
    Task UnpackSyncBatchesAsync(string sync, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Work a backend deferred from acknowledging batches (folding a log of acknowledged batches into the per-key
    /// hashes), done off a delivery's path; what the ledger says is the same before and after.
    /// </summary>
    Task CompactSyncLedgerAsync(string sync, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Where a row of a plan is in its delivery.</summary>
public enum SyncRowStatus : byte
{
    Planned,
    Sent,
    Rejected,
}

/// <summary>What a planned row does at the destination.</summary>
public enum SyncOperation : byte
{
    Create,
    Update,
    Delete,
}

/// <summary>
/// One owed row: its key, what it does, the hash of its mapped fields (what the destination will hold once it
/// acknowledges), its idempotency key, the run and batch that carry it, and a rejection's reason.
/// </summary>
public sealed record SyncRowEntry(string Key, SyncOperation Operation, string Hash, SyncRowStatus Status, long RunId, string IdempotencyKey)
{
    public string? BatchId { get; init; }
    public string? Reason { get; init; }
    public DateTimeOffset? UpdatedAt { get; init; }
}

/// <summary>One run of a sync: when, from which version, with what plan and outcome.</summary>
public sealed record SyncRunRecord
{
    public long Id { get; init; }
    public required string Sync { get; init; }
    public required string Trigger { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>running, succeeded, partial (some rows rejected), failed, broken (a circuit breaker stopped it), refused (trust gate), waiting, planned (a dry run).</summary>
    public required string Status { get; init; }

    public long? SourceVersion { get; init; }
    public long Creates { get; init; }
    public long Updates { get; init; }
    public long Deletes { get; init; }
    public long Unchanged { get; init; }
    public long Refused { get; init; }
    public long Owed { get; init; }
    public long Sent { get; init; }
    public long Acknowledged { get; init; }
    public long Rejected { get; init; }
    public string? Error { get; init; }
}
