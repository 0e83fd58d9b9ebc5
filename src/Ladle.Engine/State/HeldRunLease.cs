using Ladle.Engine.Internal;
using Microsoft.Extensions.Logging;

namespace Ladle.Engine.State;

/// <summary>
/// A run lease (<see cref="IRunLock"/>) held for the length of one run: taken, renewed in the background every third
/// of its duration (the heartbeat), and given up when disposed. A renewal that finds the lease lost (it expired while
/// the state store could not be reached, or was taken over) cancels <see cref="Lost"/>: the run must stop, since
/// another may be running. A holder that dies stops renewing, and the lease is free one duration later.
/// </summary>
public sealed class HeldRunLease : IAsyncDisposable
{
    private readonly IRunLock _runLock;
    private readonly TimeSpan _duration;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly PeriodicTimer _ticks;
    private readonly Task _heartbeat;

    private HeldRunLease(IRunLock runLock, RunLease lease, TimeSpan duration, TimeProvider clock, ILogger logger)
    {
        _runLock = runLock;
        Lease = lease;
        _duration = duration;
        _clock = clock;
        _logger = logger;
        // Started before the lease is handed out, on the store's clock: no tick is missed, however late the loop runs.
        _ticks = new PeriodicTimer(duration / 3, clock);
        _heartbeat = Task.Run(HeartbeatAsync);
    }

    /// <summary>The lease as last taken or renewed.</summary>
    public RunLease Lease { get; private set; }

    /// <summary>Cancelled when the lease was lost: whoever runs under it must stop.</summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>
    /// Takes the lease of <paramref name="resource"/> for a new owner of this process; a lease left by a process of
    /// this machine that is gone (<see cref="RunLeaseOwner.IsGone"/>) is taken over at once. Returns the lease held, or
    /// null and the lease of the live holder.
    /// </summary>
    public static async Task<(HeldRunLease? Held, RunLease? Holder)> TryTakeAsync(
        IRunLock runLock, string resource, TimeSpan duration, TimeProvider clock, ILogger logger, CancellationToken cancellationToken)
    {
        var owner = RunLeaseOwner.New();
        try
        {
            return await TryTakeAsync(runLock, resource, owner, duration, clock, logger, cancellationToken);
        }
        catch
        {
            RunLeaseOwner.Retire(owner);
            throw;
        }
    }

    private static async Task<(HeldRunLease? Held, RunLease? Holder)> TryTakeAsync(
        IRunLock runLock, string resource, string owner, TimeSpan duration, TimeProvider clock, ILogger logger, CancellationToken cancellationToken)
    {
        var lease = await runLock.TryAcquireRunLeaseAsync(resource, owner, duration, cancellationToken);
        if (lease is null && await runLock.FindRunLeaseAsync(resource, cancellationToken) is { } held)
        {
            if (!RunLeaseOwner.IsGone(held.Owner))
            {
                RunLeaseOwner.Retire(owner);
                return (null, held);
            }
            await runLock.ReleaseRunLeaseAsync(held, cancellationToken);
            Log.RunLeaseTakenOver(logger, resource, held.Owner);
            lease = await runLock.TryAcquireRunLeaseAsync(resource, owner, duration, cancellationToken);
        }
        if (lease is null)
        {
            RunLeaseOwner.Retire(owner);
            return (null, await runLock.FindRunLeaseAsync(resource, cancellationToken));
        }
        return (new HeldRunLease(runLock, lease, duration, clock, logger), null);
    }

    private async Task HeartbeatAsync()
    {
        while (true)
        {
            try
            {
                if (!await _ticks.WaitForNextTickAsync(_stop.Token)) return;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                if (await _runLock.RenewRunLeaseAsync(Lease, _duration, _stop.Token) is { } renewed)
                {
                    Lease = renewed;
                    continue;
                }
                Log.RunLeaseLost(_logger, Lease.Dataset, Lease.Owner);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The state store may be back before the lease expires: only then is the lease lost for want of renewal.
                Log.RunLeaseRenewFailed(_logger, Lease.Dataset, e.Message);
                if (_clock.GetUtcNow() < Lease.ExpiresAt) continue;
            }
            await _lost.CancelAsync();
            return;
        }
    }

    /// <summary>Stops the heartbeat and gives the lease up (when it is still held).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _heartbeat;
        _ticks.Dispose();
        if (!_lost.IsCancellationRequested)
        {
            try { await _runLock.ReleaseRunLeaseAsync(Lease, CancellationToken.None); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // It expires on its own.
                Log.RunLeaseReleaseFailed(_logger, Lease.Dataset, e.Message);
            }
        }
        RunLeaseOwner.Retire(Lease.Owner);
        _stop.Dispose();
        _lost.Dispose();
    }
}
