using Ladle.Core.Model;
using Ladle.Engine.Internal;
using Ladle.Engine.Results;
using Ladle.Engine.Sources;
using Ladle.Engine.State;
using Ladle.Engine.Store;

namespace Ladle.Engine;

public sealed partial class LadleEngine
{
    /// <summary>
    /// Makes the store agree with the state store after any stop, clean or not: interrupted runs are marked owed,
    /// half-written tables dropped, and the views point at the last good version of each dataset. Before anything
    /// is dropped, the store's manifest is compared with the state: a version the store knows and the state does not
    /// (a lost or older state file) stops the start instead of being dropped.
    /// </summary>
    private async Task RecoverAsync(CancellationToken cancellationToken)
    {
        var tables = new HashSet<string>(Store.ListVersionTables(), StringComparer.OrdinalIgnoreCase);
        var recorded = Store.Manifest.List().Select(m => m.Version).ToList();
        var known = (await State.ListAllVersionsAsync(cancellationToken)).ToDictionary(v => Key(v.Dataset, v.Version));
        RefuseUnexplained(tables, recorded, known);

        // A build left by a process of this machine that is gone (killed) still holds its run lease: let it go, so its
        // version counts as interrupted now rather than once the lease expires.
        foreach (var dataset in known.Values.Where(v => v.Status == VersionStatus.Building).Select(v => v.Dataset).Distinct(StringComparer.Ordinal))
            if (await State.FindRunLeaseAsync(dataset, cancellationToken) is { } lease && RunLeaseOwner.IsGone(lease.Owner))
                await State.ReleaseRunLeaseAsync(lease, cancellationToken);

        var interrupted = await State.FailInterruptedAsync(
            "interrupted: Ladle stopped while this version was being built; the previous version stayed served, and it runs again at the next start",
            DateTimeOffset.UtcNow, cancellationToken);
        if (interrupted > 0) Log.RecoveredInterrupted(_logger, interrupted);

        var kept = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var restored = new List<DataVersion>();
        foreach (var group in (await State.ListPublishedAsync(cancellationToken)).GroupBy(v => v.Dataset, StringComparer.OrdinalIgnoreCase))
        {
            var dataset = Project.FindDataset(group.Key);
            var retain = dataset?.RetainVersions ?? Project.Server.RetainVersions;
            var retained = 0;
            foreach (var version in group.OrderByDescending(v => v.Version))
            {
                var table = DuckDbStore.VersionTableName(group.Key, version.Version);
                if (!tables.Contains(table))
                {
                    // A shared state lists what every node published, while each node's store holds only its own
                    // builds (until versions live on shared storage): another node's version is not this one's to drop.
                    if (Project.State.Kind == StateKind.Postgres) continue;
                    Log.MissingVersionTable(_logger, group.Key, version.Version);
                    await State.MarkDroppedAsync(group.Key, version.Version, cancellationToken);
                    continue;
                }
                if (dataset is null || retained >= retain)
                {
                    // Past retention (the process stopped before it retired the version): its table goes below, and
                    // the state says so now rather than listing a version that no longer exists as published.
                    if (dataset is not null) Log.DroppedPastRetention(_logger, group.Key, version.Version, retain);
                    await State.MarkDroppedAsync(group.Key, version.Version, cancellationToken);
                    continue;
                }
                restored.Add(new DataVersion(dataset.Name, version.Version, version.PublishedAt ?? version.StartedAt));
                kept.Add(table);
                retained++;
            }
        }
        // Quarantined versions stay for their owners to inspect.
        foreach (var quarantined in await State.ListQuarantinedAsync(cancellationToken))
            kept.Add(DuckDbStore.VersionTableName(quarantined.Dataset, quarantined.Version));
        var explained = new HashSet<string>(known.Keys.Concat(recorded.Select(r => Key(r.Dataset, r.Version)))
            .Select(k => DuckDbStore.VersionTableName(k.Dataset, k.Version)), StringComparer.OrdinalIgnoreCase);
        foreach (var table in tables.Where(t => !kept.Contains(t)))
        {
            using var connection = Store.Open();
            DuckDbStore.DropVersionRelation(connection, table);
            // A failed, interrupted or retired version's leftover is explained; only a table nobody recorded is news.
            if (!explained.Contains(table)) Log.DroppedOrphan(_logger, table);
        }
        // Precomputed masks go with their versions.
        Store.Masks.DropOrphans(kept);
        await Catalog.RestoreAsync(Project, restored, State, cancellationToken);
        await SyncManifestAsync(cancellationToken);
        DefineViews();
        // With versions on shared storage, what other nodes published while this one was away is served from the start.
        if (Shared is not null)
        {
            await Follower.ReconcileAllAsync(cancellationToken);
            try { await RemoveSharedLeftoversAsync(cancellationToken); }
            catch (Store.SharedStorageException e) { Log.SharedLeftoversFailed(_logger, e); }
        }
    }

    private static (string Dataset, long Version) Key(string dataset, long version) => (dataset.ToLowerInvariant(), version);

    /// <summary>
    /// Refuses to start when the store holds versions the state cannot explain: the store's manifest records a
    /// version the state lacks (or still has building when the store saw it finish), or the state knows no version
    /// at all while the store has version tables (a store from before the manifest, with its state lost).
    /// </summary>
    private void RefuseUnexplained(IReadOnlySet<string> tables, IReadOnlyList<VersionRecord> recorded, Dictionary<(string, long), VersionRecord> known)
    {
        var ahead = recorded
            .Where(m => !known.TryGetValue(Key(m.Dataset, m.Version), out var s) || (s.Status == VersionStatus.Building && m.Status != VersionStatus.Building))
            .Select(m => (m.Dataset, m.Version))
            .ToList();
        if (ahead.Count > 0)
            throw known.Count == 0
                ? RecoveryRefusedException.StateMissing(Project.StatePath, Store.DatabasePath, VersionRanges.Describe(ahead))
                : RecoveryRefusedException.StateOlder(Project.StatePath, Store.DatabasePath, VersionRanges.Describe(ahead));
        if (known.Count == 0 && tables.Count > 0)
            throw RecoveryRefusedException.StateMissing(Project.StatePath, Store.DatabasePath,
                $"{tables.Count} version table(s) ({string.Join(", ", tables.Order(StringComparer.OrdinalIgnoreCase).Take(5))}{(tables.Count > 5 ? ", ..." : "")})");
    }

    /// <summary>
    /// Copies the state's version records into the store's manifest where they differ: statuses the manifest missed
    /// (a crash between the two writes, a store that could not be written) and stores from before the manifest.
    /// </summary>
    private async Task SyncManifestAsync(CancellationToken cancellationToken)
    {
        var recorded = Store.Manifest.List().ToDictionary(m => Key(m.Version.Dataset, m.Version.Version), m => m.Version);
        foreach (var version in await State.ListAllVersionsAsync(cancellationToken))
        {
            if (recorded.TryGetValue(Key(version.Dataset, version.Version), out var manifest) && manifest.Status == version.Status) continue;
            Store.Manifest.Record(version);
        }
    }

    /// <summary>
    /// One view per dataset the store can reach, so SQL over datasets (derived datasets, 'ladle query') reads
    /// the served version by name.
    /// </summary>
    private void DefineViews()
    {
        foreach (var dataset in Project.Datasets)
        {
            try
            {
                if (dataset.Materialization == Materialization.Table)
                {
                    if (Catalog.Current(dataset.Name) is { } current) Store.PointView(dataset.Name, current.Version);
                }
                else if (dataset.IsDerived || ConnectorFor(dataset) is FilesConnector)
                {
                    Store.DefineView(dataset.Name, $"SELECT * FROM {ConnectorFor(dataset).Relation(dataset)}");
                }
            }
            catch (Exception e) when (e is DuckDB.NET.Data.DuckDBException or InvalidOperationException)
            {
                Log.ViewFailed(_logger, dataset.Name, e.Message);
            }
        }
    }
}
