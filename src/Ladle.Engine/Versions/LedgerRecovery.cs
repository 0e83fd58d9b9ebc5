using Ladle.Core.Model;
using Ladle.Engine.State;
using Ladle.Engine.Store;

namespace Ladle.Engine.Versions;

/// <summary>What `ladle recover` rebuilt: version records added to (or finished in) the state, and tables found without any record.</summary>
public sealed record LedgerRecoveryReport(
    bool StateWasMissing,
    IReadOnlyList<VersionRecord> Restored,
    IReadOnlyList<VersionRecord> Unrecorded,
    int AlreadyKnown);

/// <summary>
/// Rebuilds the state's version ledger from the store's own manifest (`ladle recover`), after the state file was
/// lost or restored from an older copy. Only adds what the state lacks (or still had building), so running it twice
/// changes nothing the second time. Version tables with no record anywhere are kept as quarantined: they are
/// inspectable and never served. Tokens, audit, check results and incidents live only in the state and cannot be
/// rebuilt.
/// </summary>
public static class LedgerRecovery
{
    /// <summary>The reason recorded for a version table found without a record.</summary>
    public const string UnrecordedReason = "found in the store without a record by 'ladle recover'; kept for inspection, never served";

    public static async Task<LedgerRecoveryReport> RecoverAsync(ProjectDefinition project, CancellationToken cancellationToken)
    {
        if (!File.Exists(project.StorePath))
            throw new RecoveryRefusedException($"there is no store at {project.StorePath}, so there is nothing to recover from; 'ladle serve' starts a new one");
        var stateWasMissing = !StateStoreFactory.Exists(project);
        DuckDbStore store;
        try
        {
            store = new DuckDbStore(project.StorePath);
        }
        catch (StoreBusyException e)
        {
            throw new RecoveryRefusedException(
                $"the store {project.StorePath} is open in another Ladle process (is 'ladle serve' running?); stop it first: recovery rewrites the state it is using", e);
        }
        using (store)
        {
            await using var state = await StateStoreFactory.OpenAsync(project, cancellationToken);

            var restored = new List<VersionRecord>();
            var manifest = store.Manifest.List();
            foreach (var (version, _) in manifest)
                if (await state.RestoreVersionAsync(version, cancellationToken)) restored.Add(version);

            var known = (await state.ListAllVersionsAsync(cancellationToken))
                .Select(v => DuckDbStore.VersionTableName(v.Dataset, v.Version))
                .ToHashSet(StringComparer.OrdinalIgnoreCase);
            var unrecorded = new List<VersionRecord>();
            var now = DateTimeOffset.UtcNow;
            foreach (var table in store.ListVersionTables().Where(t => !known.Contains(t)).Order(StringComparer.OrdinalIgnoreCase))
            {
                if (DuckDbStore.ParseVersionTableName(table) is not var (name, number)) continue;
                var version = new VersionRecord
                {
                    Dataset = project.FindDataset(name)?.Name ?? name,
                    Version = number,
                    Status = VersionStatus.Quarantined,
                    StartedAt = now,
                    FinishedAt = now,
                    Error = UnrecordedReason,
                    Trigger = "recover",
                };
                store.Manifest.Record(version);
                await state.RestoreVersionAsync(version, cancellationToken);
                unrecorded.Add(version);
            }
            return new LedgerRecoveryReport(stateWasMissing, restored, unrecorded, manifest.Count - restored.Count);
        }
    }
}
