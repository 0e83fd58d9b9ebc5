using Ladle.Engine.Store;

namespace Ladle.Engine.Retention;

/// <summary>What one retention pass removed.</summary>
public sealed record RetentionResult(int AuditEntriesDeleted, IReadOnlyList<string> QuarantinedVersionsDropped);

/// <summary>
/// Removes what is past its retention: audit entries older than access.yaml's audit retention, and quarantined
/// versions older than their dataset's <c>retention.quarantined</c>. (Old published versions are retired by the
/// catalog as new ones publish, once no reader holds them.)
/// </summary>
public sealed class RetentionEnforcer(LadleEngine engine, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public async Task<RetentionResult> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        var audit = await engine.State.DeleteAuditBeforeAsync(now - engine.Project.Access.AuditRetention, cancellationToken);
        var dropped = new List<string>();
        foreach (var version in await engine.State.ListQuarantinedAsync(cancellationToken))
        {
            var dataset = engine.Project.FindDataset(version.Dataset);
            var keep = dataset?.KeepQuarantined ?? TimeSpan.Zero;
            if (now - (version.FinishedAt ?? version.StartedAt) < keep) continue;
            engine.Store.DropVersion(version.Dataset, version.Version);
            await engine.State.MarkDroppedAsync(version.Dataset, version.Version, cancellationToken);
            engine.Store.Manifest.MarkDropped(version.Dataset, version.Version);
            engine.Trust.ForgetQuarantine(version.Dataset, version.Version);
            dropped.Add(DuckDbStore.VersionTableName(version.Dataset, version.Version));
        }
        return new RetentionResult(audit, dropped);
    }
}
