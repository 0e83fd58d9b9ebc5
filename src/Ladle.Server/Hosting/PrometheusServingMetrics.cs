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

    public void RowsServed(string dataset, string format, string status, long rows, long bytes, TimeSpan duration)
    {
        Requests.WithLabels(dataset, format, status).Inc();
        Rows.WithLabels(dataset, format).Inc(rows);
        Bytes.WithLabels(dataset, format).Inc(bytes);
        Latency.WithLabels(dataset, format).Observe(duration.TotalSeconds);
    }
}
