namespace Ladle.Engine.State;

/// <summary>
/// Per-dataset run leases: at most one holder may build a dataset at a time, across every process (and, with a
/// shared state store, every node) using the same state. A lease expires unless its holder renews it (the
/// heartbeat), so a holder that died frees the dataset after at most one lease duration. Expiry is judged by the
/// store's clock (the <see cref="TimeProvider"/> it was opened with).
/// </summary>
/// <remarks>
/// An owner names one holder (a node and run, say) and must be unique to it: a second call with the same owner is
/// taken for a retry of the first and renews its lease rather than being refused.
/// </remarks>
public interface IRunLock
{
    /// <summary>
    /// Takes the run lease of <paramref name="dataset"/> for <paramref name="duration"/> when nobody holds it, its
    /// holder let it expire, or <paramref name="owner"/> holds it already; null when another owner holds it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="duration"/> is not positive.</exception>
    Task<RunLease?> TryAcquireRunLeaseAsync(string dataset, string owner, TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>
    /// Extends a lease its owner still holds to <paramref name="duration"/> from now; null when it was lost (it
    /// expired, was taken over or released): the holder must then stop, since another may be building.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="duration"/> is not positive.</exception>
    Task<RunLease?> RenewRunLeaseAsync(RunLease lease, TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>Gives a lease up; false when its owner no longer held it (taken over, or already released).</summary>
    Task<bool> ReleaseRunLeaseAsync(RunLease lease, CancellationToken cancellationToken);

    /// <summary>The unexpired lease of a dataset, or null when nobody is building it.</summary>
    Task<RunLease?> FindRunLeaseAsync(string dataset, CancellationToken cancellationToken);
}
