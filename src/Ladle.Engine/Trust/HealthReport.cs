using Ladle.Core.Model;
using Ladle.Engine.Results;
using Ladle.Engine.State;

namespace Ladle.Engine.Trust;

/// <summary>Everything an owner needs to know about one dataset's health.</summary>
public sealed record HealthReport(
    string Dataset,
    DataHealth Health,
    long? ServedVersion,
    DateTimeOffset? PublishedAt,
    VersionRecord? LatestAttempt,
    IReadOnlyList<CheckResult> ServedChecks,
    IReadOnlyList<CheckResult> LatestAttemptChecks,
    SloReport? Freshness,
    IReadOnlyList<Incident> OpenIncidents);

/// <summary>Builds health reports from the trust gate and the recorded history.</summary>
public static class HealthReports
{
    /// <summary>The report of <paramref name="dataset"/>, whose served version and status the caller read from the version catalog.</summary>
    public static async Task<HealthReport> BuildAsync(DatasetDefinition dataset, DataVersion? served, DataHealth health, IStateStore state, CancellationToken ct)
    {
        var history = dataset.Materialization == Materialization.Table
            ? await state.ListVersionsAsync(dataset.Name, 10_000, ct)
            : [];
        var latest = history.FirstOrDefault();
        var servedChecks = served is null ? [] : await state.ListCheckResultsAsync(dataset.Name, served.Version, 1000, ct);
        var latestChecks = latest is not null && latest.Version != served?.Version
            ? await state.ListCheckResultsAsync(dataset.Name, latest.Version, 1000, ct)
            : (IReadOnlyList<CheckResult>)[];
        SloReport? slo = null;
        if (dataset.Freshness is { } promise)
        {
            var publications = history.Where(v => v.PublishedAt is not null).Select(v => v.PublishedAt!.Value).ToList();
            slo = SloReport.Compute(promise, publications, DateTimeOffset.UtcNow);
        }
        var incidents = (await state.ListIncidentsAsync(dataset.Name, 50, ct)).Where(i => i.ResolvedAt is null).ToList();
        return new HealthReport(dataset.Name, health, served?.Version, served?.PublishedAt, latest, servedChecks, latestChecks, slo, incidents);
    }
}
