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
        var profile = _profiles[sync.Name] = new SyncRunProfile();
        var lease = await TakeLeaseAsync(sync, cancellationToken);
        var run = new SyncRunRecord { Sync = sync.Name, Trigger = trigger, StartedAt = _clock.GetUtcNow(), Status = "running" };
        run = run with { Id = await state.BeginSyncRunAsync(run, cancellationToken) };
        try
        {
            await using var destination = destinations.Open(sync);
            using (profile.Measure("settle in-flight rows"))
                await SettleInFlightAsync(sync, destination, cancellationToken);
            using var workspace = SyncWorkspace.Open(store);
            // Work the ledger deferred from the last run's acknowledgements, while the diff (in the store) runs.
            var compacting = CompactLedgerAsync(sync, profile, cancellationToken);
            SyncPlan plan;
            try
            {
                plan = await DiffAsync(sync, workspace, keep: true, profile, cancellationToken);
            }
            finally
            {
                await compacting;
            }
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
                run = await DeliverAsync(sync, run, workspace, destination, c.ToSend, lease, profile, cancellationToken);
            }
            finally
            {
                using var keeping = profile.Measure("keep the store's copy of the ledger");
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

    private async Task CompactLedgerAsync(SyncDefinition sync, SyncRunProfile profile, CancellationToken cancellationToken)
    {
        await Task.Yield();
        using (profile.Measure("ledger: compact (beside the diff)"))
            await state.CompactSyncLedgerAsync(sync.Name, cancellationToken);
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
        // Batches a stopped run left in flight (kept as one record each) become owed rows first, to be settled here.
        await state.UnpackSyncBatchesAsync(sync.Name, cancellationToken);
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
