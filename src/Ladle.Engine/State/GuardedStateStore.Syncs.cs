namespace Ladle.Engine.State;

/// <summary>The sync ledger through the guard: a full disk is a <see cref="StorageFullException"/> like any other write.</summary>
internal sealed partial class GuardedStateStore
{
    public Task<long> BeginSyncRunAsync(SyncRunRecord run, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.BeginSyncRunAsync(run, cancellationToken));

    public Task UpdateSyncRunAsync(SyncRunRecord run, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.UpdateSyncRunAsync(run, cancellationToken));

    public Task<IReadOnlyList<SyncRunRecord>> ListSyncRunsAsync(string sync, int limit, CancellationToken cancellationToken) =>
        ReadAsync(() => _inner.ListSyncRunsAsync(sync, limit, cancellationToken));

    /// <remarks>
    /// A backend that defers work folds it in before it reads (the SQLite ledger folds its log of acknowledged
    /// batches): that is a write, so it is done first, through the guard, and the read then finds nothing to fold.
    /// </remarks>
    public async IAsyncEnumerable<(string Key, string Hash)> ReadAcknowledgedAsync(string sync, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await CompactSyncLedgerAsync(sync, cancellationToken);
        await foreach (var entry in _inner.ReadAcknowledgedAsync(sync, cancellationToken)) yield return entry;
    }

    public Task<long?> ReadAcknowledgedGenerationAsync(string sync, CancellationToken cancellationToken) =>
        ReadAsync(() => _inner.ReadAcknowledgedGenerationAsync(sync, cancellationToken));

    public Task<long> CountAcknowledgedAsync(string sync, CancellationToken cancellationToken) =>
        ReadAsync(() => _inner.CountAcknowledgedAsync(sync, cancellationToken));

    public Task PlanSyncRowsAsync(string sync, IReadOnlyList<SyncRowEntry> rows, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.PlanSyncRowsAsync(sync, rows, cancellationToken), proves: rows.Count > 0);

    public Task MarkSyncRowsSentAsync(string sync, string batchId, IReadOnlyList<string> keys, DateTimeOffset at, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.MarkSyncRowsSentAsync(sync, batchId, keys, at, cancellationToken), proves: false);

    public Task AcknowledgeSyncRowsAsync(string sync, IReadOnlyList<SyncRowEntry> rows, DateTimeOffset at, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.AcknowledgeSyncRowsAsync(sync, rows, at, cancellationToken), proves: false);

    public Task RejectSyncRowsAsync(string sync, IReadOnlyList<(string Key, string Reason)> rows, DateTimeOffset at, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.RejectSyncRowsAsync(sync, rows, at, cancellationToken), proves: false);

    public Task ReturnSyncRowsAsync(string sync, IReadOnlyList<string> keys, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.ReturnSyncRowsAsync(sync, keys, cancellationToken), proves: false);

    public Task<IReadOnlyList<SyncRowEntry>> ListSyncRowsAsync(string sync, SyncRowStatus? status, int limit, CancellationToken cancellationToken) =>
        ReadAsync(() => _inner.ListSyncRowsAsync(sync, status, limit, cancellationToken));

    public Task PlanSyncBatchAsync(string sync, string batchId, IReadOnlyList<SyncRowEntry> rows, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.PlanSyncBatchAsync(sync, batchId, rows, cancellationToken), proves: rows.Count > 0);

    public Task MarkSyncBatchSentAsync(string sync, string batchId, IReadOnlyList<string> keys, DateTimeOffset at, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.MarkSyncBatchSentAsync(sync, batchId, keys, at, cancellationToken), proves: false);

    public Task AcknowledgeSyncBatchAsync(string sync, string batchId, IReadOnlyList<SyncRowEntry> acknowledged, IReadOnlyList<SyncRowEntry> rejected,
        DateTimeOffset at, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.AcknowledgeSyncBatchAsync(sync, batchId, acknowledged, rejected, at, cancellationToken), proves: false);

    public Task UnpackSyncBatchesAsync(string sync, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.UnpackSyncBatchesAsync(sync, cancellationToken), proves: false);

    public Task CompactSyncLedgerAsync(string sync, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.CompactSyncLedgerAsync(sync, cancellationToken), proves: false);
}
