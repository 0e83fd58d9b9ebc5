namespace Ladle.Engine.State;

/// <summary>
/// A stored audit entry; <c>Format</c> and <c>Version</c> say what was read (null for other requests and older
/// entries), <c>Subject</c> is the end user or tenant of an embed token (null otherwise).
/// </summary>
public sealed record AuditRecord(
    DateTimeOffset At, string Principal, string Interface, string Target, string Action, string Filters,
    long Rows, long Bytes, string Status, long DurationMs, string? Format = null, string? Version = null, string? Subject = null);

/// <summary>What to look for in the audit log.</summary>
public sealed record AuditQuery(string? Principal = null, string? Target = null, DateTimeOffset? Since = null, int Limit = 1000);
