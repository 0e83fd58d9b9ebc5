using Ladle.Core.Model.Syncs;
using Ladle.Engine.State;

namespace Ladle.Syncs.Delivery;

/// <summary>
/// Where a sync's rows go. A new destination is one class behind this interface: it sends one batch and says, per
/// row, what the destination refused (everything else it acknowledged); a transient failure (5xx, timeouts, 429,
/// a lost connection) is a <see cref="TransientDeliveryException"/>, retried with backoff by the runner, never a
/// rejection; anything that means the destination is misconfigured is a <see cref="SyncDestinationException"/>.
/// </summary>
public interface ISyncDestination : IAsyncDisposable
{
    /// <summary>True when it can say which keys it holds: rows a killed run left in flight are then looked up before an insert is re-sent.</summary>
    bool CanLookUp { get; }

    /// <summary>The keys among <paramref name="keys"/> the destination holds.</summary>
    Task<IReadOnlySet<string>> LookUpAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken);

    /// <summary>Sends one batch; returns the rows the destination refused, with its reason.</summary>
    Task<IReadOnlyList<(string Key, string Reason)>> SendAsync(SyncBatch batch, CancellationToken cancellationToken);
}

/// <summary>One request's worth of rows, with an idempotency key for the batch (the same rows always get the same key).</summary>
public sealed record SyncBatch(string Sync, string IdempotencyKey, SyncMode Mode, IReadOnlyList<SyncRecord> Rows);

/// <summary>One row to send: its key, what to do, its own idempotency key and the mapped fields as a JSON object (null for a delete).</summary>
public sealed record SyncRecord(string Key, SyncOperation Operation, string IdempotencyKey, string? Fields);

/// <summary>A failure worth retrying: the destination is overloaded, down or slow (5xx, 429, timeouts, a lost connection).</summary>
public sealed class TransientDeliveryException(string message, TimeSpan? retryAfter = null, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>How long the destination asked to wait (Retry-After), if it said.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
