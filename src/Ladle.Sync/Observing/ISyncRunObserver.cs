using Ladle.Core.Model.Syncs;
using Ladle.Engine.State;

namespace Ladle.Syncs.Observing;

/// <summary>Told of every finished run of a sync (metrics, alerts); a failing observer is logged, never fails the run.</summary>
public interface ISyncRunObserver
{
    /// <summary>A run finished (any outcome but a cancellation) and was recorded; <paramref name="duration"/> is its wall time.</summary>
    Task RunFinishedAsync(SyncDefinition sync, SyncRunRecord run, TimeSpan duration, CancellationToken cancellationToken);
}
