using Ladle.Engine.Semantic;
using Prometheus;

namespace Ladle.Server.Hosting;

/// <summary>
/// The metric cache's hits, misses and size and what answered metric queries, in Prometheus' exposition at
/// /metrics. The engine counts; these read the counts when /metrics is scraped, so the hot path pays nothing.
/// </summary>
public static class PrometheusMetricQueries
{
    private static readonly Counter Hits = Metrics.CreateCounter("ladle_metric_cache_hits_total", "Metric queries answered from the cache.");
    private static readonly Counter Misses = Metrics.CreateCounter("ladle_metric_cache_misses_total", "Cacheable metric queries the cache did not hold.");
    private static readonly Counter Evictions = Metrics.CreateCounter("ladle_metric_cache_evictions_total", "Cached metric answers dropped to stay within the cache's size.");
    private static readonly Gauge Entries = Metrics.CreateGauge("ladle_metric_cache_entries", "Metric answers in the cache.");
    private static readonly Gauge Bytes = Metrics.CreateGauge("ladle_metric_cache_bytes", "Approximate memory held by cached metric answers.");
    private static readonly Counter Queries = Metrics.CreateCounter("ladle_metric_queries_run_total", "Metric queries run against data (not answered by the cache).");
    private static readonly Counter RollupAnswers = Metrics.CreateCounter("ladle_metric_rollup_answers_total", "Metric queries a rollup answered.");

    private static readonly Lock Lock = new();
    private static readonly List<WeakReference<MetricsEngine>> Engines = [];
    private static bool _registered;

    /// <summary>Reports <paramref name="engine"/>'s counts at /metrics (several engines in one process are summed).</summary>
    public static void Register(MetricsEngine engine)
    {
        lock (Lock)
        {
            Engines.Add(new WeakReference<MetricsEngine>(engine));
            if (_registered) return;
            _registered = true;
        }
        Metrics.DefaultRegistry.AddBeforeCollectCallback(Collect);
    }

    private static void Collect()
    {
        List<MetricsEngine> alive;
        lock (Lock)
        {
            Engines.RemoveAll(w => !w.TryGetTarget(out _));
            alive = Engines.Select(w => w.TryGetTarget(out var e) ? e : null).OfType<MetricsEngine>().ToList();
        }
        Hits.IncTo(alive.Sum(e => e.Cache.Hits));
        Misses.IncTo(alive.Sum(e => e.Cache.Misses));
        Evictions.IncTo(alive.Sum(e => e.Cache.Evictions));
        Entries.Set(alive.Sum(e => e.Cache.Count));
        Bytes.Set(alive.Sum(e => e.Cache.Bytes));
        Queries.IncTo(alive.Sum(e => e.QueriesRun));
        RollupAnswers.IncTo(alive.Sum(e => e.RollupAnswers));
    }
}
