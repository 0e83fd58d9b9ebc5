using Ladle.Core.Errors;
using Ladle.Engine.Access;
using Ladle.Core.Model.Syncs;
using Ladle.Engine.State;
using Ladle.Syncs.Delivery;
using Ladle.Syncs.Internal;
using Ladle.Syncs.Planning;

namespace Ladle.Syncs;

public sealed partial class SyncService
{
    [System.Text.RegularExpressions.GeneratedRegex("^[0-9]+-[0-9a-fA-F]{24}$")]
    private static partial System.Text.RegularExpressions.Regex PlanIdRegex();

    /// <summary>How long a run's lease lasts without renewal (it is renewed at every batch).</summary>
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromMinutes(2);

    /// <summary>About how many rows of a plan are recorded as planned in the ledger at once, then delivered in batches.</summary>
    private const int ChunkRows = 50_000;

    /// <summary>
    /// Runs a sync: takes its lease, settles what a killed run left in flight, plans, and delivers batch by batch
    /// through the ledger. Every outcome but a cancellation is a recorded run: succeeded, partial (rows rejected),
    /// broken (a circuit breaker), refused or waiting (the trust gate), failed (the destination, after retries).
    /// </summary>
    public Task<SyncRunRecord> RunAsync(string name, string trigger, CancellationToken cancellationToken) =>
        RunAsync(name, trigger, planId: null, cancellationToken);

    /// <summary>
    /// Runs a sync as <see cref="RunAsync(string, string, CancellationToken)"/>; with <paramref name="planId"/> it
    /// applies exactly the plan <see cref="PlanAsync"/> showed under that id, or sends nothing and throws
    /// <see cref="SyncPlanMovedException"/> when the source, the ledger or the definition moved since.
    /// </summary>
    public async Task<SyncRunRecord> RunAsync(string name, string trigger, string? planId, CancellationToken cancellationToken)
    {
        var sync = Find(name);
        if (planId is not null && !PlanIdRegex().IsMatch(planId))
            throw new Core.Errors.InvalidRequestException($"'{planId}' is not a plan id: one looks like 12-0a1b2c3d4e5f6a7b8c9d0e1f, as 'ladle sync plan {sync.Name}' prints it", "plan");
        var lease = await TakeLeaseAsync(sync, cancellationToken);
        var run = new SyncRunRecord { Sync = sync.Name, Trigger = trigger, StartedAt = _clock.GetUtcNow(), Status = "running" };
        run = run with { Id = await state.BeginSyncRunAsync(run, cancellationToken) };
        try
        {
            await using var destination = destinations.Open(sync);
            await SettleInFlightAsync(sync, destination, cancellationToken);
            using var workspace = SyncWorkspace.Open(store);
            var plan = await DiffAsync(sync, workspace, keep: true, cancellationToken);
            if (planId is not null && !string.Equals(plan.Id, planId, StringComparison.OrdinalIgnoreCase))
                throw new SyncPlanMovedException(sync.Name, planId, plan);
            var c = plan.Counts;
            run = run with
            {
                SourceVersion = plan.SourceVersion, Creates = c.Creates, Updates = c.Updates, Deletes = c.Deletes, Unchanged = c.Unchanged,
                Refused = c.Refused, Owed = c.Owed,
                Error = plan.SourceStatus == "stale" ? $"the source is stale ({plan.SourceStatusReason}); synced anyway (on_stale: warn)" : null,
            };
            await state.UpdateSyncRunAsync(run, cancellationToken);
            if (sync.Mode == SyncMode.Mirror && c.Deletes > 0)
            {
                var held = await state.CountAcknowledgedAsync(sync.Name, cancellationToken);
                if (c.Deletes > sync.Thresholds.MaxDeleteShare * held)
                    return await FinishAsync(run with
                    {
                        Status = "broken",
                        Error = $"the mirror would delete {c.Deletes:N0} of the {held:N0} records it delivered, more than max_delete_share " +
                                $"{sync.Thresholds.MaxDeleteShare:P0}; nothing was sent. Check the source, or raise the threshold in {sync.File}",
                    }, cancellationToken);
            }
            try
            {
                run = await DeliverAsync(sync, run, workspace, destination, c.ToSend, lease, cancellationToken);
            }
            finally
            {
                // What the destination acknowledged joins the ledger's copy, whatever stopped the run.
                workspace.KeepAcknowledged(sync.Name, await state.ReadAcknowledgedGenerationAsync(sync.Name, CancellationToken.None));
            }
            return await FinishAsync(run, cancellationToken);
        }
        catch (SyncPlanMovedException e)
        {
            await FinishAsync(run with { Status = "refused", Error = e.Message }, CancellationToken.None);
            throw;
        }
        catch (SyncSourceRefusedException e)
        {
            return await FinishAsync(run with { Status = sync.OnStale == SyncOnStale.Wait && e.Message.Contains("stale", StringComparison.Ordinal) ? "waiting" : "refused", Error = e.Message }, cancellationToken);
        }
        catch (LadleException e)
        {
            return await FinishAsync(run with { Status = "failed", Error = e.Message }, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await state.UpdateSyncRunAsync(run with { Status = "interrupted", FinishedAt = _clock.GetUtcNow() }, CancellationToken.None);
            throw;
        }
        finally
        {
            try { await state.ReleaseRunLeaseAsync(lease, CancellationToken.None); }
            finally { RunLeaseOwner.Retire(lease.Owner); }
        }
    }

    private async Task<SyncRunRecord> FinishAsync(SyncRunRecord run, CancellationToken cancellationToken)
    {
        run = run with { FinishedAt = _clock.GetUtcNow() };
        await state.UpdateSyncRunAsync(run, cancellationToken);
        Log.RunFinished(_logger, run.Sync, run.Id, run.Status, run.Acknowledged, run.Rejected, run.Creates + run.Updates + run.Deletes);
        var sync = Find(run.Sync);
        var duration = run.FinishedAt.Value - run.StartedAt;
        // The run as its principal did it: what it read, where it sent it, and how it ended.
        audit?.Record(new AuditEntry(run.StartedAt, sync.Principal, Interface, sync.Dataset, "sync", $"sync={sync.Name} run={run.Id} destination={sync.Destination.Kind.ToString().ToLowerInvariant()}",
            run.Acknowledged, 0, run.Status, duration)
        {
            Format = "sync",
            Version = run.SourceVersion?.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        foreach (var observer in Observers)
        {
            try
            {
                await observer.RunFinishedAsync(sync, run, duration, CancellationToken.None);
            }
            catch (Exception e)
            {
                Log.ObserverFailed(_logger, e, run.Sync, run.Id);
            }
        }
        return run;
    }

    /// <summary>
    /// The sync's run lease (one run at a time across processes). A lease held by a process of this machine that
    /// no longer runs (killed) is taken over at once rather than waited out.
    /// </summary>
    private async Task<RunLease> TakeLeaseAsync(SyncDefinition sync, CancellationToken cancellationToken)
    {
        var resource = "sync:" + sync.Name;
        // Live (for RunLeaseOwner.IsGone) until the run releases its lease, or now when none is taken.
        var owner = RunLeaseOwner.New();
        try
        {
            if (await state.TryAcquireRunLeaseAsync(resource, owner, LeaseDuration, cancellationToken) is { } lease) return lease;
            if (await state.FindRunLeaseAsync(resource, cancellationToken) is { } held && HolderIsGone(held.Owner))
            {
                await state.ReleaseRunLeaseAsync(held, cancellationToken);
                Log.TookOverLease(_logger, sync.Name, held.Owner);
                if (await state.TryAcquireRunLeaseAsync(resource, owner, LeaseDuration, cancellationToken) is { } taken) return taken;
            }
        }
        catch
        {
            RunLeaseOwner.Retire(owner);
            throw;
        }
        RunLeaseOwner.Retire(owner);
        throw new SyncBusyException(sync.Name);
    }

    private static bool HolderIsGone(string owner) => RunLeaseOwner.IsGone(owner);

    /// <summary>
    /// Rows a killed run left sent but unanswered. A destination that can look up its records settles them: a
    /// create it holds (and a delete it lacks) is acknowledged without re-sending, so an insert is never made twice;
    /// the rest go back to planned and are re-sent with the same idempotency keys.
    /// </summary>
    private async Task SettleInFlightAsync(SyncDefinition sync, ISyncDestination destination, CancellationToken cancellationToken)
    {
        var inFlight = await state.ListSyncRowsAsync(sync.Name, SyncRowStatus.Sent, int.MaxValue, cancellationToken);
        if (inFlight.Count == 0) return;
        var settled = new List<SyncRowEntry>();
        if (destination.CanLookUp)
        {
            foreach (var chunk in inFlight.Chunk(1_000))
            {
                var held = await destination.LookUpAsync(chunk.Select(r => r.Key).ToList(), cancellationToken);
                settled.AddRange(chunk.Where(r => r.Operation switch
                {
                    SyncOperation.Create => held.Contains(r.Key),
                    SyncOperation.Delete => !held.Contains(r.Key),
                    _ => false,
                }));
            }
            await state.AcknowledgeSyncRowsAsync(sync.Name, settled, _clock.GetUtcNow(), cancellationToken);
            if (settled.Count > 0) Log.RecoveredInFlight(_logger, sync.Name, settled.Count);
        }
        var settledKeys = settled.Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
        await state.ReturnSyncRowsAsync(sync.Name, inFlight.Where(r => !settledKeys.Contains(r.Key)).Select(r => r.Key).ToList(), cancellationToken);
    }

    /// <summary>Delivers the plan in batches: ledger first (planned, then sent), then the request, then acknowledged or rejected.</summary>
    private async Task<SyncRunRecord> DeliverAsync(SyncDefinition sync, SyncRunRecord run, SyncWorkspace workspace, ISyncDestination destination,
        long toSend, RunLease lease, CancellationToken cancellationToken)
    {
        var limiter = LimiterOf(sync);
        // A whole number of batches per chunk, so every batch but the last has batch_size rows.
        var chunkRows = sync.BatchSize * Math.Max(1, ChunkRows / sync.BatchSize);
        for (long from = 1; from <= toSend; from += chunkRows)
        {
            var chunk = workspace.ReadPlanned(from, chunkRows);
            var now = _clock.GetUtcNow();
            var records = chunk.Select(r => new SyncRecord(r.Key, r.Operation, r.IdempotencyKey, r.Payload)).ToList();
            await state.PlanSyncRowsAsync(sync.Name, chunk.Select(r => new SyncRowEntry(r.Key, r.Operation, r.Hash, SyncRowStatus.Planned, run.Id, r.IdempotencyKey) { UpdatedAt = now }).ToList(), cancellationToken);
            var hashes = chunk.ToDictionary(r => r.Key, r => r, StringComparer.Ordinal);
            foreach (var rows in records.Chunk(sync.BatchSize))
            {
                if (await state.RenewRunLeaseAsync(lease, LeaseDuration, cancellationToken) is null)
                    return run with { Status = "failed", Error = "the run lost its lease (another run took over); it stopped sending" };
                if (limiter is not null)
                    using (var permit = await limiter.AcquireAsync(1, cancellationToken))
                        if (!permit.IsAcquired) throw new InvalidOperationException("the rate limiter refused a permit");
                var batch = new SyncBatch(sync.Name, BatchKey(rows), sync.Mode, rows);
                var keys = rows.Select(r => r.Key).ToList();
                await state.MarkSyncRowsSentAsync(sync.Name, batch.IdempotencyKey, keys, _clock.GetUtcNow(), cancellationToken);
                run = run with { Sent = run.Sent + rows.Length };
                IReadOnlyList<(string Key, string Reason)> rejected;
                try
                {
                    rejected = await SendWithRetriesAsync(sync, destination, batch, cancellationToken);
                }
                catch (Exception e) when (e is TransientDeliveryException or SyncDestinationException)
                {
                    // Never answered: the rows are owed again (not rejected; the destination never judged them). A request
                    // that timed out may still have landed: where the destination can say what it holds, the rows stay in
                    // flight so the next run looks them up before sending (an insert is not made twice, nor refused as a conflict).
                    if (!destination.CanLookUp) await state.ReturnSyncRowsAsync(sync.Name, keys, CancellationToken.None);
                    return run with { Status = "failed", Sent = run.Sent - rows.Length, Error = e.Message };
                }
                var refused = rejected.Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
                var acknowledged = rows.Where(r => !refused.Contains(r.Key))
                    .Select(r => new SyncRowEntry(r.Key, r.Operation, hashes[r.Key].Hash, SyncRowStatus.Sent, run.Id, r.IdempotencyKey)).ToList();
                await state.AcknowledgeSyncRowsAsync(sync.Name, acknowledged, _clock.GetUtcNow(), CancellationToken.None);
                workspace.NoteAcknowledged(hashes[rows[0].Key].Position, hashes[rows[^1].Key].Position, refused);
                await state.RejectSyncRowsAsync(sync.Name, rejected.Where(r => hashes.ContainsKey(r.Key)).ToList(), _clock.GetUtcNow(), CancellationToken.None);
                run = run with { Acknowledged = run.Acknowledged + acknowledged.Count, Rejected = run.Rejected + refused.Count };
                await state.UpdateSyncRunAsync(run, cancellationToken);
                var answered = run.Acknowledged + run.Rejected;
                if (answered >= sync.Thresholds.MinRowsForRejectRate && run.Rejected > sync.Thresholds.MaxRejectRate * answered)
                {
                    var reason = $"the destination rejected {run.Rejected:N0} of {answered:N0} rows, more than max_reject_rate {sync.Thresholds.MaxRejectRate:P0}; " +
                                 $"the rest stays owed. See 'ladle sync rejections {sync.Name}'";
                    Log.Broken(_logger, sync.Name, run.Id, reason);
                    return run with { Status = "broken", Error = reason };
                }
            }
        }
        return run with { Status = run.Rejected > 0 ? "partial" : "succeeded" };
    }

    /// <summary>Sends a batch, retrying transient failures with exponential backoff (or the destination's Retry-After).</summary>
    private async Task<IReadOnlyList<(string Key, string Reason)>> SendWithRetriesAsync(SyncDefinition sync, ISyncDestination destination, SyncBatch batch, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await destination.SendAsync(batch, cancellationToken);
            }
            catch (TransientDeliveryException e) when (attempt < sync.Destination.MaxAttempts)
            {
                var backoff = TimeSpan.FromMilliseconds(Math.Min(30_000, 250 * Math.Pow(2, attempt - 1)));
                var delay = e.RetryAfter is { } after ? TimeSpan.FromTicks(Math.Min(after.Ticks, TimeSpan.FromMinutes(5).Ticks)) : backoff;
                Log.Retrying(_logger, sync.Name, e.Message, attempt, (long)delay.TotalMilliseconds);
                await Task.Delay(delay, _clock, cancellationToken);
            }
        }
    }
}
