using System.Collections.Concurrent;
using Ladle.Core.Loading;
using Ladle.Core.Model;
using Ladle.Engine.Checks;
using Ladle.Engine.Results;
using Ladle.Engine.State;
using Ladle.Engine.Store;

namespace Ladle.Engine.Trust;

/// <summary>
/// What the trust gate knows about each dataset, kept in memory so that stating the status on every answer costs
/// nothing: the newest attempt and whether the served version carries failing warn checks. Loaded from the state
/// store at start, updated by the publisher.
/// </summary>
public sealed class TrustRegistry
{
    private readonly ConcurrentDictionary<string, Attempt> _latest = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<(string Dataset, long Version), string> _warnings = new();
    private readonly ConcurrentDictionary<(string Dataset, long Version), (string Reason, DateTimeOffset At)> _quarantined = new();
    private readonly TimeProvider _clock;

    public TrustRegistry(TimeProvider? clock = null) => _clock = clock ?? TimeProvider.System;

    /// <summary>The newest materialization attempt of a dataset that did not publish.</summary>
    private sealed record Attempt(long Version, VersionStatus Status, DateTimeOffset At, string? Reason);

    /// <summary>Loads what the state store knows (at start, or for a status report made without the store).</summary>
    public async Task LoadAsync(ProjectDefinition project, IStateStore state, PublishedCatalog catalog, CancellationToken ct)
    {
        foreach (var dataset in project.Datasets.Where(d => d.Materialization == Materialization.Table))
        {
            // An interrupted attempt says nothing about the data (and runs again): the attempt before it is what counts.
            var latest = (await state.ListVersionsAsync(dataset.Name, 20, ct)).FirstOrDefault(v => v.Status != VersionStatus.Interrupted);
            if (latest is not null) Record(latest.Dataset, latest.Version, latest.Status, latest.FinishedAt ?? latest.StartedAt, latest.Error);
            if (catalog.Current(dataset.Name) is { } served)
                RecordChecks(served.Dataset, served.Version, Newest(await state.ListCheckResultsAsync(dataset.Name, served.Version, 1000, ct)));
        }
        foreach (var q in await state.ListQuarantinedAsync(ct))
            _quarantined[(q.Dataset.ToLowerInvariant(), q.Version)] = (q.Error ?? "quarantined", q.FinishedAt ?? q.StartedAt);
    }

    /// <summary>The newest result of each check (results come newest first).</summary>
    public static IReadOnlyList<CheckResult> Newest(IReadOnlyList<CheckResult> results) =>
        results.GroupBy(r => r.Check, StringComparer.OrdinalIgnoreCase).Select(g => g.First()).ToList();

    /// <summary>The number of the newest attempt of a dataset this registry knows to have ended (published or not), or null.</summary>
    public long? NewestAttempt(string dataset) => _latest.TryGetValue(dataset, out var attempt) ? attempt.Version : null;

    /// <summary>Why a version was quarantined and when, or null when it was not.</summary>
    public (string Reason, DateTimeOffset At)? Quarantine(string dataset, long version) =>
        _quarantined.TryGetValue((dataset.ToLowerInvariant(), version), out var q) ? q : null;

    /// <summary>Forgets a quarantined version once retention dropped it.</summary>
    public void ForgetQuarantine(string dataset, long version) => _quarantined.TryRemove((dataset.ToLowerInvariant(), version), out _);

    /// <summary>Records how an attempt ended (published, quarantined, failed).</summary>
    public void Record(string dataset, long version, VersionStatus status, DateTimeOffset at, string? reason)
    {
        // Ladle stopping is not the data failing: no failed status, no incident; the run is owed and runs again.
        if (status == VersionStatus.Interrupted) return;
        if (status == VersionStatus.Quarantined) _quarantined[(dataset.ToLowerInvariant(), version)] = (reason ?? "quarantined", at);
        _latest.AddOrUpdate(dataset, new Attempt(version, status, at, reason),
            (_, old) => old.Version > version ? old : new Attempt(version, status, at, reason));
    }

    /// <summary>Remembers failing warn checks of a version, so serving it says 'warn'.</summary>
    public void RecordChecks(string dataset, long version, IReadOnlyList<CheckResult> results)
    {
        // The status reason reaches every reader, row-filtered tenants included: it names the check, not its
        // whole-dataset figures (those are in the check results, for those who may see them).
        var warnings = results.Where(r => r.Warns).Select(r => $"check '{r.Check}' failed").ToList();
        if (warnings.Count > 0) _warnings[(dataset.ToLowerInvariant(), version)] = string.Join("; ", warnings);
        else _warnings.TryRemove((dataset.ToLowerInvariant(), version), out _);
    }

    /// <summary>The status of a dataset whose served version is <paramref name="served"/> (null: nothing published).</summary>
    public DataHealth Evaluate(DatasetDefinition dataset, DataVersion? served)
    {
        if (dataset.Materialization == Materialization.Live) return DataHealth.Ok;
        if (served is not null && Quarantine(dataset.Name, served.Version) is { } q)
            return new DataHealth(DataStatus.Failed, $"version {served.Version} is quarantined and shown for inspection only: {q.Reason}", q.At);
        _latest.TryGetValue(dataset.Name, out var latest);
        if (served is null)
        {
            return latest is null
                ? new DataHealth(DataStatus.Unavailable, "nothing has been published yet")
                : new DataHealth(DataStatus.Unavailable, $"nothing has been published yet; the last attempt (version {latest.Version}) {Describe(latest)}", latest.At);
        }
        if (latest is not null && latest.Version > served.Version && latest.Status is VersionStatus.Failed or VersionStatus.Quarantined)
            return new DataHealth(DataStatus.Failed,
                $"version {latest.Version} {Describe(latest)}; version {served.Version} (published {served.PublishedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z) is served", latest.At);
        if (dataset.Freshness is { } slo)
        {
            var age = _clock.GetUtcNow() - served.PublishedAt;
            if (age > slo.MaxAge)
                return new DataHealth(DataStatus.Stale,
                    $"published {Durations.Format(age)} ago; promised at most {Durations.Format(slo.MaxAge)}", served.PublishedAt + slo.MaxAge);
        }
        if (_warnings.TryGetValue((dataset.Name.ToLowerInvariant(), served.Version), out var warning))
            return new DataHealth(DataStatus.Warn, warning, served.PublishedAt);
        return DataHealth.Ok;
    }

    private static string Describe(Attempt attempt) => attempt.Status switch
    {
        VersionStatus.Quarantined => $"was quarantined ({attempt.Reason})",
        VersionStatus.Failed => $"failed ({attempt.Reason})",
        _ => attempt.Status.ToString().ToLowerInvariant(),
    };
}
