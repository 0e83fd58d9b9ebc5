namespace Ladle.Engine.Serving;

/// <summary>One answered or refused request, as the audit trail keeps it.</summary>
public sealed record AuditEntry(
    DateTimeOffset At, string Principal, string Interface, string Dataset, string Action, string Filters,
    long Rows, long Bytes, string Status, TimeSpan Duration)
{
    /// <summary>Set on the marker entry a flush waits for; never written.</summary>
    internal TaskCompletionSource? Flushed { get; init; }

    /// <summary>The id <see cref="IAuditSink.BeginAsync"/> returned: this entry completes that "started" one.</summary>
    public long? Started { get; init; }
}

/// <summary>Where audit entries go; must not slow the request path.</summary>
public interface IAuditSink
{
    void Record(AuditEntry entry);

    /// <summary>
    /// Records the start of a long read (an export) durably before its first byte, so a crash mid-way leaves
    /// a "started, not finished" entry; returns the id its end completes, or null when this sink cannot.
    /// </summary>
    ValueTask<long?> BeginAsync(AuditEntry entry, CancellationToken cancellationToken) => ValueTask.FromResult<long?>(null);
}

/// <summary>Serving measurements (Prometheus in the server); dataset and format labels arrive already bounded.</summary>
public interface IServingMetrics
{
    void RowsServed(string dataset, string format, string status, long rows, long bytes, TimeSpan duration);
}
