using Ladle.Engine.Sources;
using Prometheus;

namespace Ladle.Server.Hosting;

/// <summary>The embedded engines' read slots at /metrics: how many statements execute, and how many wait for a slot.</summary>
public static class PrometheusReadSlots
{
    private static readonly Gauge Slots = Metrics.CreateGauge(
        "ladle_read_slots", "Statements the embedded engines may execute at once (server.max_concurrent_reads).");

    private static readonly Gauge Running = Metrics.CreateGauge(
        "ladle_reads_running", "Statements executing in the embedded engines now.");

    private static readonly Gauge Waiting = Metrics.CreateGauge(
        "ladle_reads_waiting", "Statements waiting for a read slot now; a queue that stays long asks for more cores or fewer readers.");

    private static readonly Lock RegisterLock = new();
    private static WeakReference<ReadScheduler>? _reads;

    /// <summary>Reports <paramref name="reads"/> when scraped (the server built last is the one reported: one per process outside tests).</summary>
    public static void Register(ReadScheduler reads)
    {
        lock (RegisterLock)
        {
            var first = _reads is null;
            _reads = new WeakReference<ReadScheduler>(reads);
            if (first) Metrics.DefaultRegistry.AddBeforeCollectCallback(Collect);
        }
    }

    private static void Collect()
    {
        lock (RegisterLock)
        {
            if (_reads is null || !_reads.TryGetTarget(out var reads)) return;
            Slots.Set(reads.Slots);
            Running.Set(reads.Running);
            Waiting.Set(reads.Waiting);
        }
    }
}
