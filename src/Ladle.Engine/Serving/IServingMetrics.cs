namespace Ladle.Engine.Serving;

/// <summary>Serving measurements (Prometheus in the server); dataset and format labels arrive already bounded.</summary>
public interface IServingMetrics
{
    void RowsServed(string dataset, string format, string status, long rows, long bytes, TimeSpan duration);
}
