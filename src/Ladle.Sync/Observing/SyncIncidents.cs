using System.Globalization;
using Ladle.Core.Model.Syncs;
using Ladle.Engine.Alerts;
using Ladle.Engine.State;

namespace Ladle.Syncs.Observing;

/// <summary>
/// Turns sync runs into incidents and alerts through the project's alert channels, the way dataset incidents go: a
/// failed run, a run a circuit breaker stopped, and a run whose destination rejected more than max_reject_rate of
/// what it answered each open an incident of their kind; the state store's one open incident per sync and kind
/// decides who alerts, so repeated failures alert once; a run that delivers again resolves it, with one alert of
/// recovery. Refused and waiting runs are the trust gate's: their dataset's own incident already alerts.
/// </summary>
public sealed class SyncIncidents(IIncidentStore incidents, AlertDispatcher dispatcher, string project, TimeProvider? clock = null) : ISyncRunObserver
{
    /// <summary>A run failed: the destination, after retries, or its configuration.</summary>
    public const string Failed = "sync_failed";

    /// <summary>A circuit breaker stopped a run (reject rate, or a mirror deleting too much).</summary>
    public const string Broken = "sync_broken";

    /// <summary>A run finished with the destination rejecting more than max_reject_rate of the rows it answered.</summary>
    public const string Rejects = "sync_rejects";

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>The key incidents of a sync are recorded under (the incident store keys them like datasets).</summary>
    public static string Subject(string sync) => IncidentMonitor.SyncSubjectPrefix + sync;

    public async Task RunFinishedAsync(SyncDefinition sync, SyncRunRecord run, TimeSpan duration, CancellationToken cancellationToken)
    {
        var answered = run.Acknowledged + run.Rejected;
        var rate = answered == 0 ? 0 : (double)run.Rejected / answered;
        switch (run.Status)
        {
            case "failed":
                await OpenAsync(sync, run, Failed, run.Error ?? "the run failed", cancellationToken);
                break;
            case "broken":
                await OpenAsync(sync, run, Broken, run.Error ?? "a circuit breaker stopped the run", cancellationToken);
                break;
            case "succeeded" or "partial":
                await ResolveAsync(sync, run, Failed, cancellationToken);
                await ResolveAsync(sync, run, Broken, cancellationToken);
                if (rate > sync.Thresholds.MaxRejectRate)
                    await OpenAsync(sync, run, Rejects,
                        $"the destination rejected {run.Rejected:N0} of {answered:N0} rows ({rate.ToString("P1", CultureInfo.InvariantCulture)}), more than max_reject_rate " +
                        $"{sync.Thresholds.MaxRejectRate.ToString("P0", CultureInfo.InvariantCulture)}; see 'ladle sync rejections {sync.Name}'", cancellationToken);
                else await ResolveAsync(sync, run, Rejects, cancellationToken);
                break;
        }
    }

    private async Task OpenAsync(SyncDefinition sync, SyncRunRecord run, string kind, string reason, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        reason = $"sync '{sync.Name}' run {run.Id}: {reason}";
        if (await incidents.OpenIncidentAsync(Subject(sync.Name), kind, reason, now, cancellationToken) is not { } id) return;
        Send(id, new AlertEvent(AlertEventKind.IncidentOpened, sync.Dataset, kind, run.Status, reason, run.StartedAt, project, run.SourceVersion, now) { Sync = sync.Name });
    }

    private async Task ResolveAsync(SyncDefinition sync, SyncRunRecord run, string kind, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        if (await incidents.ResolveIncidentAsync(Subject(sync.Name), kind, now, cancellationToken) is not { } id) return;
        var reason = $"sync '{sync.Name}' run {run.Id} {run.Status}: {run.Acknowledged:N0} acknowledged, {run.Rejected:N0} rejected";
        Send(id, new AlertEvent(AlertEventKind.IncidentResolved, sync.Dataset, kind, run.Status, reason, run.StartedAt, project, run.SourceVersion, now) { Sync = sync.Name });
    }

    private void Send(long incident, AlertEvent alert) =>
        dispatcher.Enqueue(alert, () => incidents.MarkIncidentAlertedAsync(incident, alert.Event == AlertEventKind.IncidentResolved, CancellationToken.None));
}
