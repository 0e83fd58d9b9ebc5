using Ladle.Engine.Serving;
using Prometheus;

namespace Ladle.Server.Hosting;

/// <summary>Rows, bytes and latency per dataset and format, in Prometheus' exposition at /metrics.</summary>
public sealed class PrometheusServingMetrics : IServingMetrics
{
    private static readonly Counter Requests = Metrics.CreateCounter(
        "ladle_dataset_requests_total", "Dataset row requests answered, by dataset, format and outcome.",
        new CounterConfiguration { LabelNames = ["dataset", "format", "status"] });

    private static readonly Counter Rows = Metrics.CreateCounter(
        "ladle_rows_served_total", "Rows served, by dataset and format.",
        new CounterConfiguration { LabelNames = ["dataset", "format"] });

    private static readonly Counter Bytes = Metrics.CreateCounter(
        "ladle_bytes_served_total", "Response bytes served, by dataset and format.",
        new CounterConfiguration { LabelNames = ["dataset", "format"] });

    private static readonly Histogram Latency = Metrics.CreateHistogram(
        "ladle_request_duration_seconds", "Time to serve a dataset request completely, by dataset and format.",
        new HistogramConfiguration
        {
            LabelNames = ["dataset", "format"],
            Buckets = Histogram.ExponentialBuckets(0.001, 2, 16),
        });

    private static readonly Gauge AuditHeld = Metrics.CreateGauge(
        "ladle_audit_entries_held", "Audit entries waiting in memory because the state store refused them (a full disk, say).");

    private static readonly Counter AuditLost = Metrics.CreateCounter(
        "ladle_audit_entries_lost_total", "Audit entries dropped because too many were waiting for the state store.");

    private static readonly Gauge WritesUnavailable = Metrics.CreateGauge(
        "ladle_writes_unavailable", "1 while Ladle cannot write its state or store (a full disk); reads go on.");

    private static readonly Lock RegisterLock = new();
    private static WeakReference<Engine.Access.AuditWriter>? _audit;
    private static WeakReference<Engine.State.WriteHealth>? _writes;
    private static long _lostReported;

    /// <summary>
    /// Reports the audit writer's held and lost entries and the engine's write health at /metrics, read when scraped
    /// (the server built last is the one reported: one per process outside tests).
    /// </summary>
    public static void Register(Engine.Access.AuditWriter audit, Engine.State.WriteHealth writes)
    {
        lock (RegisterLock)
        {
            var first = _audit is null;
            _audit = new WeakReference<Engine.Access.AuditWriter>(audit);
            _writes = new WeakReference<Engine.State.WriteHealth>(writes);
            _lostReported = 0;
            if (first) Metrics.DefaultRegistry.AddBeforeCollectCallback(CollectWrites);
        }
    }

    private static void CollectWrites()
    {
        lock (RegisterLock)
        {
            if (_audit?.TryGetTarget(out var audit) == true)
            {
                AuditHeld.Set(audit.Held);
                var lost = audit.Lost;
                if (lost > _lostReported) AuditLost.Inc(lost - _lostReported);
                _lostReported = Math.Max(_lostReported, lost);
            }
            if (_writes?.TryGetTarget(out var writes) == true) WritesUnavailable.Set(writes.Available ? 0 : 1);
        }
    }

    public void RowsServed(string dataset, string format, string status, long rows, long bytes, TimeSpan duration)
    {
        Requests.WithLabels(dataset, format, status).Inc();
        Rows.WithLabels(dataset, format).Inc(rows);
        Bytes.WithLabels(dataset, format).Inc(bytes);
        Latency.WithLabels(dataset, format).Observe(duration.TotalSeconds);
    }
}
