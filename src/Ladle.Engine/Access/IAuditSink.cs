namespace Ladle.Engine.Access;

/// <summary>
/// One answered or refused request, as the audit trail keeps it. Text that came from a caller is made safe on the
/// way in (<see cref="AuditText.Clean"/>): control characters escaped, length capped, secrets redacted.
/// </summary>
public sealed record AuditEntry(
    DateTimeOffset At, string Principal, string Interface, string Dataset, string Action, string Filters,
    long Rows, long Bytes, string Status, TimeSpan Duration)
{
    public string Principal { get; init; } = AuditText.Clean(Principal);
    public string Dataset { get; init; } = AuditText.Clean(Dataset);
    public string Action { get; init; } = AuditText.Clean(Action);
    public string Filters { get; init; } = AuditText.Clean(Filters);

    /// <summary>The format answered (json, csv, …), when the request read rows or metrics.</summary>
    public string? Format { get; init; }

    /// <summary>The version read (a number), or dataset=version pairs for a metric query; null when nothing was read.</summary>
    public string? Version { get; init; }

    /// <summary>For requests with an embed token: the end user or tenant it was signed for.</summary>
    public string? Subject { get; init; }

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
