using Ladle.Core.Model.Syncs;
using Ladle.Engine.State;
using Ladle.Syncs.Observing;
using Prometheus;

namespace Ladle.Server.Hosting;

/// <summary>
/// Per-sync series at /metrics: runs by outcome, rows by stage (planned, sent, acknowledged, rejected, refused), run
/// duration and the time of the last successful run. Labelled by sync name, which the project bounds.
/// </summary>
public sealed class PrometheusSyncMetrics : ISyncRunObserver
{
    private static readonly Counter Runs = Metrics.CreateCounter("ladle_sync_runs_total", "Sync runs by outcome (succeeded, partial, failed, broken, refused, waiting).",
        new CounterConfiguration { LabelNames = ["sync", "outcome"] });
    private static readonly Counter Rows = Metrics.CreateCounter("ladle_sync_rows_total",
        "Rows of sync runs by stage: planned (to send), sent, acknowledged, rejected (by the destination), refused (before sending).",
        new CounterConfiguration { LabelNames = ["sync", "stage"] });
    private static readonly Histogram Duration = Metrics.CreateHistogram("ladle_sync_run_duration_seconds", "Wall time of sync runs.",
        new HistogramConfiguration { LabelNames = ["sync"], Buckets = Histogram.ExponentialBuckets(0.05, 2, 16) });
    private static readonly Gauge LastSuccess = Metrics.CreateGauge("ladle_sync_last_success_timestamp_seconds",
        "Unix time at which the sync's last fully successful run finished.", new GaugeConfiguration { LabelNames = ["sync"] });

    private readonly IReadOnlyList<SyncDefinition> _syncs;
    private readonly ISyncLedger _ledger;
    private int _loaded;

    /// <summary>Shows every sync's series from the start (zero rows); its last success is read from the run history at the first scrape.</summary>
    public PrometheusSyncMetrics(IReadOnlyList<SyncDefinition> syncs, ISyncLedger ledger)
    {
        _syncs = syncs;
        _ledger = ledger;
        foreach (var sync in syncs)
            foreach (var stage in new[] { "planned", "sent", "acknowledged", "rejected", "refused" }) Rows.WithLabels(sync.Name, stage);
        if (syncs.Count > 0) Metrics.DefaultRegistry.AddBeforeCollectCallback(LoadLastSuccessAsync);
    }

    private async Task LoadLastSuccessAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _loaded, 1) == 1) return;
        foreach (var sync in _syncs)
        {
            var last = (await _ledger.ListSyncRunsAsync(sync.Name, 100, cancellationToken)).FirstOrDefault(r => r.Status == "succeeded" && r.FinishedAt is not null);
            if (last?.FinishedAt is { } at && LastSuccess.WithLabels(sync.Name).Value < at.ToUnixTimeMilliseconds() / 1000.0)
                LastSuccess.WithLabels(sync.Name).Set(at.ToUnixTimeMilliseconds() / 1000.0);
        }
    }

    public Task RunFinishedAsync(SyncDefinition sync, SyncRunRecord run, TimeSpan duration, CancellationToken cancellationToken)
    {
        Runs.WithLabels(sync.Name, run.Status).Inc();
        Rows.WithLabels(sync.Name, "planned").Inc(run.Creates + run.Updates + run.Deletes);
        Rows.WithLabels(sync.Name, "sent").Inc(run.Sent);
        Rows.WithLabels(sync.Name, "acknowledged").Inc(run.Acknowledged);
        Rows.WithLabels(sync.Name, "rejected").Inc(run.Rejected);
        Rows.WithLabels(sync.Name, "refused").Inc(run.Refused);
        Duration.WithLabels(sync.Name).Observe(Math.Max(0, duration.TotalSeconds));
        if (run.Status == "succeeded" && run.FinishedAt is { } at) LastSuccess.WithLabels(sync.Name).Set(at.ToUnixTimeMilliseconds() / 1000.0);
        return Task.CompletedTask;
    }
}
