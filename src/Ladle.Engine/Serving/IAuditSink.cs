namespace Ladle.Engine.Serving;

/// <summary>One answered or refused request, as the audit trail keeps it.</summary>
public sealed record AuditEntry(
    DateTimeOffset At, string Principal, string Interface, string Dataset, string Action, string Filters,
    long Rows, long Bytes, string Status, TimeSpan Duration)
{
    /// <summary>For requests with an embed token: the end user or tenant it was signed for.</summary>
    public string? Subject { get; init; }

    /// <summary>Set on the marker entry a flush waits for; never written.</summary>
    internal TaskCompletionSource? Flushed { get; init; }
}

/// <summary>Where audit entries go; must not slow the request path.</summary>
public interface IAuditSink
{
    void Record(AuditEntry entry);
}

/// <summary>Serving measurements (Prometheus in the server); dataset and format labels arrive already bounded.</summary>
public interface IServingMetrics
{
    void RowsServed(string dataset, string format, string status, long rows, long bytes, TimeSpan duration);
}
