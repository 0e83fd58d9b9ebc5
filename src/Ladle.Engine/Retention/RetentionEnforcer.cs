using Ladle.Core.Model;
using Ladle.Engine.State;
using Ladle.Engine.Store;
using Ladle.Engine.Versions;

namespace Ladle.Engine.Retention;

/// <summary>What one retention pass removed.</summary>
public sealed record RetentionResult(int AuditEntriesDeleted, IReadOnlyList<string> QuarantinedVersionsDropped);

/// <summary>
/// Removes what is past its retention: audit entries older than access.yaml's audit retention, and quarantined
/// versions older than their dataset's <c>retention.quarantined</c>. (Old published versions are retired by the
/// catalog as new ones publish, once no reader holds them.)
/// </summary>
public sealed class RetentionEnforcer(ProjectDefinition project, IStateStore state, DuckDbStore store, VersionCatalog catalog, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public async Task<RetentionResult> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        var audit = await state.DeleteAuditBeforeAsync(now - project.Access.AuditRetention, cancellationToken);
        var dropped = new List<string>();
        foreach (var version in await state.ListQuarantinedAsync(cancellationToken))
        {
            var dataset = project.FindDataset(version.Dataset);
            var keep = dataset?.KeepQuarantined ?? TimeSpan.Zero;
            if (now - (version.FinishedAt ?? version.StartedAt) < keep) continue;
            store.DropVersion(version.Dataset, version.Version);
            await state.MarkDroppedAsync(version.Dataset, version.Version, cancellationToken);
            store.Manifest.MarkDropped(version.Dataset, version.Version);
            catalog.Dropped(version.Dataset, version.Version);
            dropped.Add(DuckDbStore.VersionTableName(version.Dataset, version.Version));
        }
        return new RetentionResult(audit, dropped);
    }
}
