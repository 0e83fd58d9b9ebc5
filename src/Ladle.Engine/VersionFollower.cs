using Ladle.Core.Model;
using Ladle.Engine.Internal;
using Ladle.Engine.State;
using Ladle.Engine.Versions;
using Microsoft.Extensions.Logging;

namespace Ladle.Engine;

/// <summary>
/// Keeps this node's version catalog exact when other nodes change the shared state: a version another node
/// published is loaded and served here (<see cref="Publisher.AdoptAsync"/>), and its quarantines and failures reach
/// this node's trust status. Each change goes through the catalog, so its <see cref="VersionCatalog.Changed"/> event
/// (the metric cache's keys, SQL plans, schemas, online features, syncs on publish) fires on every node alike.
/// Driven by <see cref="IStateChangeFeed"/> (LISTEN/NOTIFY, with a periodic reconcile) and once at start.
/// </summary>
public sealed class VersionFollower(ProjectDefinition project, IVersionLedger ledger, VersionCatalog catalog, Publisher publisher, ILogger logger)
{
    /// <summary>How many of a dataset's newest versions a reconcile reads.</summary>
    private const int Window = 20;

    /// <summary>Raised for changes that are not about versions (a token revoked), for caches of other state to follow.</summary>
    public event Action<StateChange>? Other;

    /// <summary>Follows one change; never throws but for cancellation (a failure is logged, the next reconcile tries again).</summary>
    public async Task ApplyAsync(StateChange change, CancellationToken cancellationToken)
    {
        try
        {
            switch (change.Kind)
            {
                case StateChangeKind.Versions when change.Subject is { } name:
                    if (project.FindDataset(name) is { } dataset && Follows(dataset)) await ReconcileAsync(dataset, cancellationToken);
                    break;
                case StateChangeKind.Resync:
                    await ReconcileAllAsync(cancellationToken);
                    Other?.Invoke(change);
                    break;
                default:
                    Other?.Invoke(change);
                    break;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.FollowFailed(logger, e, change.ToPayload());
        }
    }

    /// <summary>Compares every table dataset with the state.</summary>
    public async Task ReconcileAllAsync(CancellationToken cancellationToken)
    {
        foreach (var dataset in project.Datasets.Where(Follows))
            await ReconcileAsync(dataset, cancellationToken);
    }

    // A stream's dataset is published by the node that ingests it, from its own log: not shared yet.
    private static bool Follows(DatasetDefinition dataset) => dataset.Materialization == Materialization.Table && dataset.Stream is null;

    private async Task ReconcileAsync(DatasetDefinition dataset, CancellationToken cancellationToken)
    {
        var versions = await ledger.ListVersionsAsync(dataset.Name, Window, cancellationToken);
        if (versions.FirstOrDefault(v => v.Status == VersionStatus.Published) is { } published
            && (catalog.Current(dataset.Name)?.Version ?? 0) < published.Version)
            await publisher.AdoptAsync(dataset, published, cancellationToken);
        foreach (var quarantined in versions.Where(v => v.Status == VersionStatus.Quarantined && catalog.Quarantine(dataset.Name, v.Version) is null))
            catalog.Quarantined(dataset.Name, quarantined.Version, quarantined.Error ?? "quarantined", quarantined.FinishedAt ?? quarantined.StartedAt);
        // The newest attempt that says something about the data: a failure there is this dataset's status on every node.
        if (versions.FirstOrDefault(v => v.Status is not (VersionStatus.Interrupted or VersionStatus.Building or VersionStatus.Dropped)) is { Status: VersionStatus.Failed } failed)
            catalog.AttemptEnded(dataset.Name, failed.Version, failed.Status, failed.FinishedAt ?? failed.StartedAt, failed.Error);
    }
}
