using Ladle.Core.Model;
using Ladle.Engine.Internal;
using Ladle.Engine.Results;
using Ladle.Engine.Sources;
using Ladle.Engine.Store;

namespace Ladle.Engine;

public sealed partial class LadleEngine
{
    /// <summary>
    /// Makes the store agree with the state store after any stop, clean or not: interrupted runs are failed,
    /// half-written tables dropped, and the views point at the last good version of each dataset.
    /// </summary>
    private async Task RecoverAsync(CancellationToken cancellationToken)
    {
        var interrupted = await State.FailInterruptedAsync(
            "interrupted: Ladle stopped while this version was being built; the previous version stayed served",
            DateTimeOffset.UtcNow, cancellationToken);
        if (interrupted > 0) Log.RecoveredInterrupted(_logger, interrupted);

        var tables = new HashSet<string>(Store.ListVersionTables(), StringComparer.OrdinalIgnoreCase);
        var kept = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var group in (await State.ListPublishedAsync(cancellationToken)).GroupBy(v => v.Dataset, StringComparer.OrdinalIgnoreCase))
        {
            var dataset = Project.FindDataset(group.Key);
            var retained = 0;
            foreach (var version in group.OrderByDescending(v => v.Version))
            {
                var table = DuckDbStore.VersionTableName(group.Key, version.Version);
                if (!tables.Contains(table))
                {
                    Log.MissingVersionTable(_logger, group.Key, version.Version);
                    await State.MarkDroppedAsync(group.Key, version.Version, cancellationToken);
                    continue;
                }
                if (dataset is null || retained >= (dataset.RetainVersions ?? Project.Server.RetainVersions)) continue;
                Catalog.Restore(new DataVersion(dataset.Name, version.Version, version.PublishedAt ?? version.StartedAt));
                kept.Add(table);
                retained++;
            }
        }
        // Quarantined versions stay for their owners to inspect.
        foreach (var quarantined in await State.ListQuarantinedAsync(cancellationToken))
            kept.Add(DuckDbStore.VersionTableName(quarantined.Dataset, quarantined.Version));
        foreach (var table in tables.Where(t => !kept.Contains(t)))
        {
            using var connection = Store.Open();
            DuckDbStore.Execute(connection, $"DROP TABLE IF EXISTS {DuckDbStore.VersionSchema}.{Sql.SqlDialect.DuckDb.Quote(table)}");
            Log.DroppedOrphan(_logger, table);
        }
        DefineViews();
        await Trust.LoadAsync(Project, State, Catalog, cancellationToken);
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
