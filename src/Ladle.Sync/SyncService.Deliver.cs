using Ladle.Core.Model.Syncs;
using Ladle.Engine.State;
using Ladle.Syncs.Delivery;
using Ladle.Syncs.Internal;
using Ladle.Syncs.Planning;

namespace Ladle.Syncs;

public sealed partial class SyncService
{
    /// <summary>About how many rows of a plan are read from the store and recorded as planned in the ledger at once, then delivered in batches.</summary>
    private const int ChunkRows = 50_000;

    /// <summary>
    /// Delivers the plan in batches. Per batch the order is fixed: its rows are planned and sent in the ledger before
    /// its request leaves, and acknowledged (or rejected) only once the destination answered. The ledger's writes run
    /// on a lane of their own, one at a time: while the destination takes batch N, the ledger acknowledges batch N-1
    /// and records batch N+1 as planned and sent, so the state store and the destination work at the same time.
    /// </summary>
    private async Task<SyncRunRecord> DeliverAsync(SyncDefinition sync, SyncRunRecord run, SyncWorkspace workspace, ISyncDestination destination,
        long toSend, RunLease lease, SyncRunProfile profile, CancellationToken cancellationToken)
    {
        var limiter = LimiterOf(sync);
        var lane = new DeliveryLane(state, _clock, sync, run.Id, workspace, lease, toSend, profile, cancellationToken);
        var next = lane.PrepareAsync();
        Task acknowledging = Task.CompletedTask;
        try
        {
            while (await next is { } current)
            {
                if (current.LeaseLost)
                    return run with { Status = "failed", Error = "the run lost its lease (another run took over); it stopped sending" };
                if (limiter is not null)
                    using (var permit = await limiter.AcquireAsync(1, cancellationToken))
                        if (!permit.IsAcquired) throw new InvalidOperationException("the rate limiter refused a permit");
                run = run with { Sent = run.Sent + current.Rows.Count };
                var sending = SendTimedAsync(sync, destination, current.Batch, profile, cancellationToken);
                // The lane: the previous batch's acknowledgement (already under way), then the next batch, planned and sent.
                var acknowledged = acknowledging;
                next = AfterAsync(acknowledged, lane.PrepareAsync);
                IReadOnlyList<(string Key, string Reason)> rejected;
                try
                {
                    rejected = await sending;
                }
                catch (Exception e) when (e is TransientDeliveryException or SyncDestinationException)
                {
                    // Never answered: the rows are owed again (not rejected; the destination never judged them). A request
                    // that timed out may still have landed: where the destination can say what it holds, the rows stay in
                    // flight so the next run looks them up before sending (an insert is not made twice, nor refused as a conflict).
                    await ReturnUnsentAsync(sync, next, destination.CanLookUp ? [] : current.Keys);
                    return run with { Status = "failed", Sent = run.Sent - current.Rows.Count, Error = e.Message };
                }
                var refused = rejected.Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
                var entries = current.Rows.Where(r => !refused.Contains(r.Key))
                    .Select(r => new SyncRowEntry(r.Key, r.Operation, r.Hash, SyncRowStatus.Sent, run.Id, r.IdempotencyKey)).ToList();
                var reasons = rejected.GroupBy(r => r.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Reason, StringComparer.Ordinal);
                var rejections = current.Rows.Where(r => refused.Contains(r.Key))
                    .Select(r => new SyncRowEntry(r.Key, r.Operation, r.Hash, SyncRowStatus.Rejected, run.Id, r.IdempotencyKey) { Reason = reasons[r.Key] }).ToList();
                run = run with { Acknowledged = run.Acknowledged + entries.Count, Rejected = run.Rejected + refused.Count };
                var record = run;
                acknowledging = AcknowledgeAsync(next, sync, workspace, current, entries, rejections, refused, record, profile);
                var answered = run.Acknowledged + run.Rejected;
                if (answered >= sync.Thresholds.MinRowsForRejectRate && run.Rejected > sync.Thresholds.MaxRejectRate * answered)
                {
                    var reason = $"the destination rejected {run.Rejected:N0} of {answered:N0} rows, more than max_reject_rate {sync.Thresholds.MaxRejectRate:P0}; " +
                                 $"the rest stays owed. See 'ladle sync rejections {sync.Name}'";
                    Log.Broken(_logger, sync.Name, run.Id, reason);
                    await acknowledging;
                    await ReturnUnsentAsync(sync, next, []);
                    return run with { Status = "broken", Error = reason };
                }
            }
        }
        finally
        {
            // The run's record and the ledger's acknowledgements are complete before the run is finished.
            await acknowledging;
        }
        return run with { Status = run.Rejected > 0 ? "partial" : "succeeded" };
    }

    /// <summary>
    /// Records what the destination answered for a batch, on the ledger's lane after <paramref name="before"/> (the
    /// next batch's preparation, whose failure is reported where that batch is awaited): acknowledged rows move the
    /// acknowledged state, rejected rows stay owed with their reasons, and the run's record follows.
    /// </summary>
    private async Task AcknowledgeAsync(Task before, SyncDefinition sync, SyncWorkspace workspace, PreparedBatch batch, List<SyncRowEntry> acknowledged,
        List<SyncRowEntry> rejected, IReadOnlyCollection<string> refused, SyncRunRecord run, SyncRunProfile profile)
    {
        try
        {
            await before;
        }
        catch (Exception)
        {
            // Reported by the delivery loop, which awaits the same task.
        }
        using (profile.Measure("ledger: acknowledged and rejected"))
            await state.AcknowledgeSyncBatchAsync(sync.Name, batch.Batch.IdempotencyKey, acknowledged, rejected, _clock.GetUtcNow(), CancellationToken.None);
        workspace.NoteAcknowledged(batch.Rows[0].Position, batch.Rows[^1].Position, refused);
        using (profile.Measure("run record"))
            await state.UpdateSyncRunAsync(run, CancellationToken.None);
    }

    /// <summary>
    /// A run that stops early: once the ledger's lane is done (the acknowledgement before and the next batch's
    /// preparation), its batches in flight become owed rows, and the next batch's rows (that request never left) and
    /// <paramref name="alsoReturn"/> go back to planned.
    /// </summary>
    private async Task ReturnUnsentAsync(SyncDefinition sync, Task<PreparedBatch?> next, IReadOnlyList<string> alsoReturn)
    {
        PreparedBatch? unsent = null;
        try
        {
            unsent = await next;
        }
        catch (Exception)
        {
            // The run already stops for another reason; what the ledger left in flight is settled by the next run.
        }
        await state.UnpackSyncBatchesAsync(sync.Name, CancellationToken.None);
        var keys = alsoReturn.Concat(unsent is { LeaseLost: false } ? unsent.Keys : []).ToList();
        await state.ReturnSyncRowsAsync(sync.Name, keys, CancellationToken.None);
    }

    private static async Task<T> AfterAsync<T>(Task before, Func<Task<T>> then)
    {
        await before;
        return await then();
    }

    private async Task<IReadOnlyList<(string Key, string Reason)>> SendTimedAsync(SyncDefinition sync, ISyncDestination destination, SyncBatch batch,
        SyncRunProfile profile, CancellationToken cancellationToken)
    {
        using (profile.Measure("destination: send"))
            return await SendWithRetriesAsync(sync, destination, batch, cancellationToken);
    }

    /// <summary>A batch the ledger recorded as planned and sent, ready for its request; or the news that the run lost its lease.</summary>
    private sealed record PreparedBatch(IReadOnlyList<PlannedRow> Rows, SyncBatch Batch, bool LeaseLost = false)
    {
        public List<string> Keys => Rows.Select(r => r.Key).ToList();
    }

    /// <summary>
    /// The ledger's side of a delivery, one batch at a time: reads the plan from the store a chunk at a time, records
    /// each batch as planned, renews the run's lease and records each batch as sent before its request may leave.
    /// </summary>
    private sealed class DeliveryLane(IStateStore state, TimeProvider clock, SyncDefinition sync, long runId, SyncWorkspace workspace, RunLease lease, long toSend,
        SyncRunProfile profile, CancellationToken cancellationToken)
    {
        // A whole number of batches per chunk, so every batch but the last has batch_size rows.
        private readonly int _chunkRows = sync.BatchSize * Math.Max(1, ChunkRows / sync.BatchSize);
        private List<PlannedRow> _chunk = [];
        private long _chunkFrom = 1;
        private long _next = 1;

        public async Task<PreparedBatch?> PrepareAsync()
        {
            if (_next > toSend) return null;
            if (_next >= _chunkFrom + _chunk.Count)
            {
                using (profile.Measure("read planned rows from the store"))
                    _chunk = workspace.ReadPlanned(_next, _chunkRows);
                _chunkFrom = _next;
                if (_chunk.Count == 0) return null;
            }
            var offset = (int)(_next - _chunkFrom);
            var rows = _chunk.GetRange(offset, Math.Min(sync.BatchSize, _chunk.Count - offset));
            SyncBatch batch;
            using (profile.Measure("batch records and idempotency key"))
            {
                var records = rows.Select(r => new SyncRecord(r.Key, r.Operation, r.IdempotencyKey, r.Payload)).ToList();
                batch = new SyncBatch(sync.Name, BatchKey(records), sync.Mode, records);
            }
            var now = clock.GetUtcNow();
            using (profile.Measure("ledger: planned"))
                await state.PlanSyncBatchAsync(sync.Name, batch.IdempotencyKey,
                    rows.Select(r => new SyncRowEntry(r.Key, r.Operation, r.Hash, SyncRowStatus.Planned, runId, r.IdempotencyKey) { UpdatedAt = now }).ToList(),
                    cancellationToken);
            using (profile.Measure("renew lease"))
                if (await state.RenewRunLeaseAsync(lease, LeaseDuration, cancellationToken) is null)
                    return new PreparedBatch(rows, batch, LeaseLost: true);
            using (profile.Measure("ledger: sent"))
                await state.MarkSyncBatchSentAsync(sync.Name, batch.IdempotencyKey, rows.Select(r => r.Key).ToList(), clock.GetUtcNow(), cancellationToken);
            _next += rows.Count;
            return new PreparedBatch(rows, batch);
        }
    }
}
