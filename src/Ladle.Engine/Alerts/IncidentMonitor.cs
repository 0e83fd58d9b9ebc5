using System.Threading.Channels;
using Ladle.Core.Model;
using Ladle.Engine.Internal;
using Ladle.Engine.State;
using Ladle.Engine.Trust;
using Ladle.Engine.Versions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ladle.Engine.Alerts;

/// <summary>
/// Turns status changes of table datasets into incidents and alerts. It evaluates every dataset when it starts,
/// every <see cref="ServerSettings.StatusInterval"/> (staleness arrives with the clock, not with an event) and right
/// after each materialization (<see cref="Publisher.Materialized"/>). Incidents live in the state store, whose
/// unique open incident per dataset and kind decides who alerts: only the call that opens (or resolves) one
/// enqueues a message, so repeated failures, restarts and several nodes never repeat an alert. The same write
/// records the alert as owed; once every channel has dealt with it, it is marked sent. Alerts still owed at start
/// (the process died, or the shutdown flush ran out of time) go out before anything else is looked at.
/// </summary>
public sealed class IncidentMonitor : BackgroundService
{
    private readonly ProjectDefinition _project;
    private readonly VersionCatalog _catalog;
    private readonly IStateStore _state;
    private readonly Publisher _publisher;
    private readonly AlertDispatcher _dispatcher;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _pass = new(1, 1);
    private bool _owedSent;

    // One pending wake-up is enough: a pass looks at every dataset, so signals that arrive during a pass fold into one.
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public IncidentMonitor(ProjectDefinition project, VersionCatalog catalog, IStateStore state, Publisher publisher, AlertDispatcher dispatcher,
        ILogger<IncidentMonitor>? logger = null)
    {
        _project = project;
        _catalog = catalog;
        _state = state;
        _publisher = publisher;
        _dispatcher = dispatcher;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _publisher.Materialized += OnMaterialized;
        return base.StartAsync(cancellationToken);
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        _publisher.Materialized -= OnMaterialized;
        return base.StopAsync(cancellationToken);
    }

    /// <summary>Looks at every table dataset once, opening and resolving incidents; passes never overlap.</summary>
    public async Task EvaluateAsync(CancellationToken cancellationToken)
    {
        await _pass.WaitAsync(cancellationToken);
        try
        {
            if (!_owedSent)
            {
                await SendOwedAsync(cancellationToken);
                _owedSent = true;
            }
            foreach (var dataset in _project.Datasets.Where(d => d.Materialization == Materialization.Table))
            {
                try { await EvaluateAsync(dataset, cancellationToken); }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    // One dataset the state store could not record must not keep the others from being looked at.
                    Log.StatusEvaluationFailed(_logger, e, dataset.Name);
                }
            }
        }
        finally
        {
            _pass.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // SQLite's async calls complete synchronously; without this the first pass would hold up the host's start.
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try { await EvaluateAsync(stoppingToken); }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }

            using var tick = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            tick.CancelAfter(_project.Server.StatusInterval);
            try { await _wake.Reader.ReadAsync(tick.Token); }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested) { }
            catch (OperationCanceledException) { return; }
        }
    }

    private void OnMaterialized(RunOutcome result) => _wake.Writer.TryWrite(true);

    private async Task EvaluateAsync(DatasetDefinition dataset, CancellationToken cancellationToken)
    {
        var served = _catalog.Current(dataset.Name);
        var health = _catalog.Evaluate(dataset, served);
        if (health.Status != DataStatus.Unavailable && await BehindAsync(dataset, served, cancellationToken)) return;
        switch (health.Status)
        {
            case DataStatus.Failed:
                // A failure hides staleness in the status, so an open stale incident is left as it is.
                await OpenAsync(dataset, IncidentKinds.Failed, health, served, cancellationToken);
                break;
            case DataStatus.Stale:
                // Stale, not failed: the newest attempt published, so any failure is over.
                await OpenAsync(dataset, IncidentKinds.Stale, health, served, cancellationToken);
                await ResolveAsync(dataset, IncidentKinds.Failed, health, served, cancellationToken);
                break;
            case DataStatus.Ok or DataStatus.Warn:
                await ResolveAsync(dataset, IncidentKinds.Failed, health, served, cancellationToken);
                await ResolveAsync(dataset, IncidentKinds.Stale, health, served, cancellationToken);
                break;
            case DataStatus.Unavailable:
                // Never published is not an incident by itself, but a first build that failed is one.
                var latest = (await _state.ListVersionsAsync(dataset.Name, 1, cancellationToken)).FirstOrDefault();
                if (latest?.Status is VersionStatus.Failed or VersionStatus.Quarantined)
                    await OpenAsync(dataset, IncidentKinds.Failed, health, served, cancellationToken);
                break;
        }
    }

    /// <summary>
    /// With state shared by several nodes, whether this node has not yet followed the dataset's newest ended attempt
    /// (another node published, quarantined or failed it a moment ago): its status here is then out of date, and
    /// acting on it would resolve an incident another node just opened, or open one another node just resolved.
    /// The node that made the change, and this one once it has followed it, judge instead.
    /// </summary>
    private async Task<bool> BehindAsync(DatasetDefinition dataset, Results.DataVersion? served, CancellationToken cancellationToken)
    {
        if (_project.State.Kind != StateKind.Postgres) return false;
        var newest = (await _state.ListVersionsAsync(dataset.Name, 20, cancellationToken))
            .FirstOrDefault(v => v.Status is VersionStatus.Published or VersionStatus.Quarantined or VersionStatus.Failed);
        return newest is not null && newest.Version > Math.Max(served?.Version ?? 0, _catalog.Trust.NewestAttempt(dataset.Name) ?? 0);
    }

    private async Task OpenAsync(DatasetDefinition dataset, string kind, DataHealth health, Results.DataVersion? served, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var reason = health.Reason ?? $"status {health.StatusName}";
        if (await _state.OpenIncidentAsync(dataset.Name, kind, reason, now, cancellationToken) is not { } id) return;
        Log.IncidentOpened(_logger, dataset.Name, kind, reason);
        Send(id, new AlertEvent(AlertEventKind.IncidentOpened, dataset.Name, kind, health.StatusName, reason,
            health.Since ?? now, _project.Name, served?.Version, now));
    }

    private async Task ResolveAsync(DatasetDefinition dataset, string kind, DataHealth health, Results.DataVersion? served, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        if (await _state.ResolveIncidentAsync(dataset.Name, kind, now, cancellationToken) is not { } id) return;
        Log.IncidentResolved(_logger, dataset.Name, kind, health.StatusName);
        Send(id, new AlertEvent(AlertEventKind.IncidentResolved, dataset.Name, kind, health.StatusName, ResolvedReason(health, served),
            health.Since ?? served?.PublishedAt ?? now, _project.Name, served?.Version, now));
    }

    private static string? ResolvedReason(DataHealth health, Results.DataVersion? served) =>
        health.Reason ?? (served is null ? null : $"version {served.Version}, published {served.PublishedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z, is served");

    private void Send(long incident, AlertEvent alert) =>
        _dispatcher.Enqueue(alert, () => _state.MarkIncidentAlertedAsync(incident, alert.Event == AlertEventKind.IncidentResolved, CancellationToken.None));

    /// <summary>
    /// Alerts recorded as owed by an earlier run, in the order they arose: an opening as it was (status of its
    /// kind, since it opened), a resolution with what is served now.
    /// </summary>
    private async Task SendOwedAsync(CancellationToken cancellationToken)
    {
        var owed = await _state.ListUnalertedIncidentsAsync(cancellationToken);
        if (owed.Count == 0) return;
        Log.AlertsOwed(_logger, owed.Sum(o => (o.Opening ? 1 : 0) + (o.Resolution ? 1 : 0)));
        foreach (var (incident, opening, resolution) in owed)
        {
            if (incident.Dataset.StartsWith(SyncSubjectPrefix, StringComparison.Ordinal))
            {
                SendOwedSync(incident, opening, resolution);
                continue;
            }
            if (incident.Dataset.StartsWith(StreamSubjectPrefix, StringComparison.Ordinal))
            {
                SendOwedStream(incident, opening, resolution);
                continue;
            }
            var definition = _project.FindDataset(incident.Dataset);
            var served = _catalog.Current(incident.Dataset);
            if (opening)
                Send(incident.Id, new AlertEvent(AlertEventKind.IncidentOpened, incident.Dataset, incident.Kind, incident.Kind, incident.Reason,
                    incident.OpenedAt, _project.Name, served?.Version, incident.OpenedAt));
            if (resolution && incident.ResolvedAt is { } resolvedAt)
            {
                var health = definition is null ? DataHealth.Ok : _catalog.Evaluate(definition, served);
                Send(incident.Id, new AlertEvent(AlertEventKind.IncidentResolved, incident.Dataset, incident.Kind, health.StatusName,
                    ResolvedReason(health, served), resolvedAt, _project.Name, served?.Version, resolvedAt));
            }
        }
    }

    /// <summary>The subject a sync's incidents are recorded under is this prefix and the sync's name (Ladle.Sync's SyncIncidents).</summary>
    public const string SyncSubjectPrefix = "sync:";

    /// <summary>
    /// An owed alert of a sync's incident, as the sync's observer would have sent it: about the sync (named), from its
    /// dataset, not an alert of a dataset called "sync:name".
    /// </summary>
    private void SendOwedSync(Incident incident, bool opening, bool resolution)
    {
        var name = incident.Dataset[SyncSubjectPrefix.Length..];
        var sync = _project.Syncs.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
        var dataset = sync?.Dataset ?? "";
        var served = dataset.Length > 0 ? _catalog.Current(dataset) : null;
        if (opening)
            Send(incident.Id, new AlertEvent(AlertEventKind.IncidentOpened, dataset, incident.Kind, incident.Kind, incident.Reason,
                incident.OpenedAt, _project.Name, served?.Version, incident.OpenedAt) { Sync = sync?.Name ?? name });
        if (resolution && incident.ResolvedAt is { } resolvedAt)
            Send(incident.Id, new AlertEvent(AlertEventKind.IncidentResolved, dataset, incident.Kind, "ok", $"sync '{sync?.Name ?? name}' delivers again",
                resolvedAt, _project.Name, served?.Version, resolvedAt) { Sync = sync?.Name ?? name });
    }

    /// <summary>The subject a stream's alert incidents are recorded under is this prefix and the stream's name (Ladle.Streams' StreamAlerts).</summary>
    public const string StreamSubjectPrefix = "stream:";

    /// <summary>
    /// An owed alert of a stream's alert rule, as the stream would have sent it: about the stream (named), its rule
    /// (the kind) and key, from its windows dataset. The incident's kind is the rule's name, then ':' and the key.
    /// </summary>
    private void SendOwedStream(Incident incident, bool opening, bool resolution)
    {
        var name = incident.Dataset[StreamSubjectPrefix.Length..];
        var stream = _project.FindStream(name);
        var colon = incident.Kind.IndexOf(':', StringComparison.Ordinal);
        var rule = colon < 0 ? incident.Kind : incident.Kind[..colon];
        var key = colon < 0 ? "" : incident.Kind[(colon + 1)..];
        var dataset = stream?.Dataset ?? "";
        var subject = stream?.Name ?? name;
        if (opening)
            Send(incident.Id, new AlertEvent(AlertEventKind.IncidentOpened, dataset, rule, "alerting", incident.Reason,
                incident.OpenedAt, _project.Name, null, incident.OpenedAt) { Stream = subject, Key = key });
        if (resolution && incident.ResolvedAt is { } resolvedAt)
            Send(incident.Id, new AlertEvent(AlertEventKind.IncidentResolved, dataset, rule, "ok",
                $"stream '{subject}'{(key.Length > 0 ? " " + key : "")}: alert '{rule}' no longer holds", resolvedAt, _project.Name, null, resolvedAt) { Stream = subject, Key = key });
    }

    public override void Dispose()
    {
        _publisher.Materialized -= OnMaterialized;
        _pass.Dispose();
        base.Dispose();
    }
}
