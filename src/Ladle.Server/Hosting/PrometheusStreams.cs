using Ladle.Streams;
using Prometheus;

namespace Ladle.Server.Hosting;

/// <summary>Each stream's figures at /metrics (the same as GET /api/v1/streams/{name}), read when scraped.</summary>
public static class PrometheusStreams
{
    private static readonly string[] Labels = ["stream"];

    private static readonly Gauge Accepted = Metrics.CreateGauge("ladle_stream_events_accepted", "Events a stream accepted since it started (replayed ones included).", Labels);
    private static readonly Gauge Rejected = Metrics.CreateGauge("ladle_stream_events_rejected", "Events a stream refused (bad events, key or window limits) since Ladle started.", Labels);
    private static readonly Gauge Late = Metrics.CreateGauge("ladle_stream_events_late", "Events that came after every window they belong to had closed (dropped) since Ladle started.", Labels);
    private static readonly Gauge Rate = Metrics.CreateGauge("ladle_stream_ingest_rate", "Events accepted per second over the last ten seconds.", Labels);
    private static readonly Gauge Lag = Metrics.CreateGauge("ladle_stream_lag_seconds", "Wall clock minus the stream's watermark.", Labels);
    private static readonly Gauge Open = Metrics.CreateGauge("ladle_stream_open_windows", "Windows open now.", Labels);
    private static readonly Gauge Keys = Metrics.CreateGauge("ladle_stream_keys", "Keys with open windows now.", Labels);
    private static readonly Gauge Emitted = Metrics.CreateGauge("ladle_stream_windows_emitted", "The seq of the newest closed window.", Labels);
    private static readonly Gauge Published = Metrics.CreateGauge("ladle_stream_windows_published", "The seq of the newest window in the published dataset.", Labels);
    private static readonly Gauge Subscribers = Metrics.CreateGauge("ladle_stream_subscribers", "Live (SSE) subscribers now.", Labels);
    private static readonly Gauge Dropped = Metrics.CreateGauge("ladle_stream_subscribers_dropped", "Live subscribers dropped for falling behind since Ladle started.", Labels);

    private static readonly Lock RegisterLock = new();
    private static WeakReference<StreamService>? _streams;

    /// <summary>Reports <paramref name="streams"/> when scraped (the server built last is the one reported).</summary>
    public static void Register(StreamService streams)
    {
        lock (RegisterLock)
        {
            var first = _streams is null;
            _streams = new WeakReference<StreamService>(streams);
            if (first) Metrics.DefaultRegistry.AddBeforeCollectCallback(Collect);
        }
    }

    private static void Collect()
    {
        lock (RegisterLock)
        {
            if (_streams is null || !_streams.TryGetTarget(out var streams)) return;
            foreach (var status in streams.StatusAll())
            {
                Accepted.WithLabels(status.Name).Set(status.Accepted);
                Rejected.WithLabels(status.Name).Set(status.Rejected);
                Late.WithLabels(status.Name).Set(status.Late);
                Rate.WithLabels(status.Name).Set(status.IngestRatePerSecond);
                if (status.LagSeconds is { } lag) Lag.WithLabels(status.Name).Set(lag);
                Open.WithLabels(status.Name).Set(status.OpenWindows);
                Keys.WithLabels(status.Name).Set(status.Keys);
                Emitted.WithLabels(status.Name).Set(status.WindowsEmitted);
                Published.WithLabels(status.Name).Set(status.WindowsPublished);
                Subscribers.WithLabels(status.Name).Set(status.Subscribers);
                Dropped.WithLabels(status.Name).Set(status.SubscribersDropped);
            }
        }
    }
}
