namespace Ladle.Engine.State;

/// <summary>The audit log: who read what, when, how much, and what was refused.</summary>
public interface IAuditStore
{
    /// <summary>Appends audit entries in one transaction.</summary>
    Task AppendAuditAsync(IReadOnlyList<AuditRecord> entries, CancellationToken cancellationToken);

    /// <summary>
    /// Writes one audit entry at once, outside any batch (the start of a long read, so that a crash mid-way
    /// still leaves it); returns its id for <see cref="CompleteAuditAsync"/>.
    /// </summary>
    Task<long> BeginAuditAsync(AuditRecord entry, CancellationToken cancellationToken);

    /// <summary>
    /// Completes entries begun with <see cref="BeginAuditAsync"/>: outcome, rows, bytes, duration, and the version
    /// when one is given (their time, principal and target stay those of the start).
    /// </summary>
    Task CompleteAuditAsync(IReadOnlyList<(long Id, AuditRecord Entry)> entries, CancellationToken cancellationToken);

    /// <summary>Audit entries, newest first.</summary>
    Task<IReadOnlyList<AuditRecord>> QueryAuditAsync(AuditQuery query, CancellationToken cancellationToken);

    /// <summary>Deletes audit entries older than <paramref name="before"/>; returns how many.</summary>
    Task<int> DeleteAuditBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken);
}
