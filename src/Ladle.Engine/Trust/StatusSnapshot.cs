using Ladle.Core.Model;
using Ladle.Engine.Checks;
using Ladle.Engine.Results;
using Ladle.Engine.State;
using Ladle.Engine.Store;

namespace Ladle.Engine.Trust;

/// <summary>One dataset's line in a status report.</summary>
public sealed record DatasetStatusLine(DatasetDefinition Dataset, DataHealth Health, VersionRecord? Served, IReadOnlyList<CheckResult> FailingChecks);

/// <summary>
/// Every dataset's status from the state store alone, without opening the DuckDB store, so it can be read
/// while a server holds the store.
/// </summary>
public static class StatusSnapshot
{
    public static async Task<IReadOnlyList<DatasetStatusLine>> ReadAsync(ProjectDefinition project, IStateStore state, CancellationToken ct)
    {
        await state.InitializeAsync(ct);
        var published = await state.ListPublishedAsync(ct);
        var catalog = new PublishedCatalog((_, _) => { });
        foreach (var v in published.Where(v => project.FindDataset(v.Dataset) is not null))
            catalog.Restore(new DataVersion(project.FindDataset(v.Dataset)!.Name, v.Version, v.PublishedAt ?? v.StartedAt));
        var trust = new TrustRegistry();
        await trust.LoadAsync(project, state, catalog, ct);
        var lines = new List<DatasetStatusLine>();
        foreach (var dataset in project.Datasets)
        {
            var current = catalog.Current(dataset.Name);
            var served = current is null ? null : published.First(v => string.Equals(v.Dataset, dataset.Name, StringComparison.OrdinalIgnoreCase) && v.Version == current.Version);
            var latest = dataset.Materialization == Materialization.Table ? (await state.ListVersionsAsync(dataset.Name, 1, ct)).FirstOrDefault() : null;
            var checkedVersion = latest?.Version ?? current?.Version;
            var failing = checkedVersion is null ? [] : TrustRegistry.Newest(await state.ListCheckResultsAsync(dataset.Name, checkedVersion, 1000, ct))
                .Where(r => r.Outcome is CheckOutcome.Failed or CheckOutcome.Error).ToList();
            lines.Add(new DatasetStatusLine(dataset, trust.Evaluate(dataset, current), served, failing));
        }
        return lines;
    }
}
