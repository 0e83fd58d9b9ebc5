using Ladle.Core.Model;
using Ladle.Engine.Features;
using Ladle.Engine.Serving;
using Prometheus;

namespace Ladle.Server.Hosting;

/// <summary>Feature views' freshness and the online lookups' audit sampling, at /metrics, read when scraped.</summary>
public static class PrometheusFeatureMetrics
{
    private static readonly Gauge Freshness = Metrics.CreateGauge(
        "ladle_feature_freshness_seconds", "Age of the newest event known now of each feature view (as its online lookups and a training set at now see it).",
        new GaugeConfiguration { LabelNames = ["view"] });

    private static readonly Gauge LookupsAudited = Metrics.CreateGauge(
        "ladle_feature_lookups_audited", "Answered online lookups audited one by one since start.");

    private static readonly Gauge LookupsCounted = Metrics.CreateGauge(
        "ladle_feature_lookups_counted", "Answered online lookups not audited one by one since start (each is in a features-unsampled audit entry's count).");

    private static readonly Lock RegisterLock = new();
    private static readonly List<(WeakReference<OnlineFeatureStore> Online, ProjectDefinition Project)> Stores = [];
    private static WeakReference<LookupAuditSampler>? _sampler;

    /// <summary>Reports the views of every server of the process that is still serving (one outside tests), and the sampler of the last.</summary>
    public static void Register(ProjectDefinition project, OnlineFeatureStore online, LookupAuditSampler sampler)
    {
        lock (RegisterLock)
        {
            var first = _sampler is null;
            Stores.Add((new WeakReference<OnlineFeatureStore>(online), project));
            _sampler = new WeakReference<LookupAuditSampler>(sampler);
            if (first) Metrics.DefaultRegistry.AddBeforeCollectCallback(Collect);
        }
    }

    private static void Collect()
    {
        lock (RegisterLock)
        {
            Stores.RemoveAll(s => !s.Online.TryGetTarget(out var alive) || alive.Stopped);
            foreach (var (reference, project) in Stores)
            {
                if (!reference.TryGetTarget(out var online)) continue;
                foreach (var view in project.Features.Views)
                {
                    if (online.Freshness(view) is { } age) Freshness.WithLabels(view.Name).Set(age.TotalSeconds);
                    else Freshness.RemoveLabelled(view.Name);
                }
            }
            if (_sampler?.TryGetTarget(out var sampler) == true)
            {
                LookupsAudited.Set(sampler.Audited);
                LookupsCounted.Set(sampler.Counted);
            }
        }
    }
}
