namespace Ladle.Engine.State;

/// <summary>Run leases through the guard: a full disk is a <see cref="StorageFullException"/> like any other write.</summary>
internal sealed partial class GuardedStateStore
{
    // Taking or renewing a lease may change nothing (another holds it), so none of these proves the disk has room.
    public Task<RunLease?> TryAcquireRunLeaseAsync(string dataset, string owner, TimeSpan duration, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.TryAcquireRunLeaseAsync(dataset, owner, duration, cancellationToken), proves: false);

    public Task<RunLease?> RenewRunLeaseAsync(RunLease lease, TimeSpan duration, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.RenewRunLeaseAsync(lease, duration, cancellationToken), proves: false);

    public Task<bool> ReleaseRunLeaseAsync(RunLease lease, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.ReleaseRunLeaseAsync(lease, cancellationToken), proves: false);

    public Task<RunLease?> FindRunLeaseAsync(string dataset, CancellationToken cancellationToken) =>
        ReadAsync(() => _inner.FindRunLeaseAsync(dataset, cancellationToken));
}
