using Ladle.Core.Model;
using Ladle.Engine.Results;
using Ladle.Engine.State;
using Ladle.Engine.Store;
using Ladle.Engine.Trust;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ladle.Engine.Versions;

/// <summary>
/// The seam between the write path and every reader: which version of each dataset is served (and which are
/// retained or quarantined), leases on them, their trust status, and a <see cref="Changed"/> event. Publication,
/// quarantine, retention and recovery change it only through here, so whatever watches it (the metric cache, the
/// incident monitor, later other nodes and live pushes) sees every change in one place.
/// </summary>
public sealed class VersionCatalog
{
    private readonly PublishedCatalog _published;
    private readonly TrustRegistry _trust;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;

    /// <param name="drop">Drops a retired version's data once its last reader lets go; call <see cref="Dropped"/> when done.</param>
    public VersionCatalog(Action<string, long> drop, TimeProvider? clock = null, ILogger? logger = null)
    {
        _clock = clock ?? TimeProvider.System;
        _published = new PublishedCatalog(drop);
        _trust = new TrustRegistry(_clock);
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Raised after a local publication, quarantine or drop (and, with several nodes, another node's publication).
    /// Handlers run on the thread that made the change and must be quick; an exception is logged and swallowed.
    /// </summary>
    public event EventHandler<VersionChange>? Changed;

    /// <summary>The trust knowledge behind <see cref="Evaluate(DatasetDefinition, DataVersion?)"/> (newest attempts, warnings, quarantines).</summary>
    public TrustRegistry Trust => _trust;

    /// <summary>The served version of a dataset, or null when nothing was ever published.</summary>
    public DataVersion? Current(string dataset) => _published.Current(dataset);

    /// <summary>Every retained version of a dataset, newest first.</summary>
    public IReadOnlyList<DataVersion> Retained(string dataset) => _published.Retained(dataset);

    /// <summary>
    /// Leases the served version (or <paramref name="pinned"/>, for a cursor) until the lease is disposed.
    /// Throws 503 when nothing was published and 410 when a pinned version is no longer retained.
    /// </summary>
    public PublishedCatalog.VersionLease Acquire(string dataset, long? pinned) => _published.Acquire(dataset, pinned);

    /// <summary>
    /// Loads a version the state still retains but this node does not hold (it joined after the version was published),
    /// so that a cursor pinned to it on another node reads on here; set by the engine when versions are shared.
    /// </summary>
    public Func<string, long, CancellationToken, Task>? LoadRetained { get; set; }

    /// <summary>
    /// Before a read pinned to <paramref name="pinned"/>: a version this node does not hold is loaded when the state
    /// still retains it (<see cref="LoadRetained"/>); otherwise <see cref="Acquire"/> answers 410 as before.
    /// </summary>
    public async Task EnsureRetainedAsync(string dataset, long? pinned, CancellationToken cancellationToken)
    {
        if (pinned is not { } version || LoadRetained is null) return;
        if (_published.Retained(dataset).Any(v => v.Version == version) || Quarantine(dataset, version) is not null) return;
        await LoadRetained(dataset, version, cancellationToken);
    }

    /// <summary>Adds an older version that is still retained (loaded on demand) without changing the served one; no change is raised.</summary>
    public void RestoreRetained(DataVersion version, IReadOnlyList<CheckResult> checks)
    {
        _trust.RecordChecks(version.Dataset, version.Version, checks);
        _published.Restore(version);
    }

    /// <summary>Leases held now on any version of a dataset (readers still reading it).</summary>
    public int Leases(string dataset) => _published.Leases(dataset);

    /// <summary>Why a version was quarantined and when, or null when it was not (its owner may inspect it).</summary>
    public (string Reason, DateTimeOffset At)? Quarantine(string dataset, long version) => _trust.Quarantine(dataset, version);

    /// <summary>The trust status of a dataset as served now.</summary>
    public DataHealth Evaluate(DatasetDefinition dataset) => _trust.Evaluate(dataset, dataset.Materialization == Materialization.Table ? Current(dataset.Name) : null);

    /// <summary>The trust status of <paramref name="served"/>, the version a reader actually leased (null: nothing published).</summary>
    public DataHealth Evaluate(DatasetDefinition dataset, DataVersion? served) => _trust.Evaluate(dataset, served);

    /// <summary>Start-up: what the state store says is served and retained, and what the trust gate knows.</summary>
    public async Task RestoreAsync(ProjectDefinition project, IEnumerable<DataVersion> retained, IStateStore state, CancellationToken cancellationToken)
    {
        foreach (var version in retained) _published.Restore(version);
        await _trust.LoadAsync(project, state, _published, cancellationToken);
    }

    /// <summary>Makes a version the served one, with the results of the checks it passed, and retires versions past <paramref name="retain"/>.</summary>
    public void Publish(DataVersion version, int retain, IReadOnlyList<CheckResult> checks)
    {
        _trust.RecordChecks(version.Dataset, version.Version, checks);
        _trust.Record(version.Dataset, version.Version, VersionStatus.Published, version.PublishedAt, null);
        _published.Publish(version, retain);
        Raise(new VersionChange(version.Dataset, version.Version, VersionChangeKind.Published, version.PublishedAt));
    }

    /// <summary>A version failed an error check: kept for inspection, never served.</summary>
    public void Quarantined(string dataset, long version, string reason, DateTimeOffset at)
    {
        _trust.Record(dataset, version, VersionStatus.Quarantined, at, reason);
        Raise(new VersionChange(dataset, version, VersionChangeKind.Quarantined, at));
    }

    /// <summary>An attempt that ended without a version (failed, interrupted): the served version stays, its status may change.</summary>
    public void AttemptEnded(string dataset, long version, VersionStatus status, DateTimeOffset at, string? reason) =>
        _trust.Record(dataset, version, status, at, reason);

    /// <summary>Checks run again on the served version (`ladle checks run`): its warnings follow the new results.</summary>
    public void Rechecked(string dataset, long version, IReadOnlyList<CheckResult> results) =>
        _trust.RecordChecks(dataset, version, results);

    /// <summary>A version's data is gone (retired past retention, or a quarantined one past its time).</summary>
    public void Dropped(string dataset, long version)
    {
        _trust.ForgetQuarantine(dataset, version);
        Raise(new VersionChange(dataset, version, VersionChangeKind.Dropped, _clock.GetUtcNow()));
    }

    private void Raise(VersionChange change)
    {
        if (Changed is not { } handlers) return;
        foreach (var handler in handlers.GetInvocationList().Cast<EventHandler<VersionChange>>())
        {
            // A watcher's bug must never turn a publication into a failure.
            try { handler(this, change); }
            catch (Exception e) { Internal.Log.VersionChangeHandlerFailed(_logger, e, change.Dataset, change.Version, change.Kind.ToString()); }
        }
    }
}
