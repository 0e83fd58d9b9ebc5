namespace Ladle.Syncs;

/// <summary>
/// An exact plan: what a run would send, computed by diffing the source's published version (read as the sync's
/// principal) against what the destination last acknowledged, with samples of each kind.
/// </summary>
public sealed record SyncPlan
{
    /// <summary>
    /// The plan's id, <c>&lt;version&gt;-&lt;hex&gt;</c>: digests of the sync's definition, the ledger's state and
    /// the rows to send, after the source version. <c>ladle sync run --plan ID</c> applies this plan and no other.
    /// </summary>
    public required string Id { get; init; }

    public required string Sync { get; init; }
    public required string Dataset { get; init; }
    public required string Mode { get; init; }

    /// <summary>The published version read.</summary>
    public required long SourceVersion { get; init; }
    public required DateTimeOffset PublishedAt { get; init; }

    /// <summary>The source's trust status when read (ok, warn, stale).</summary>
    public required string SourceStatus { get; init; }
    public string? SourceStatusReason { get; init; }

    public required SyncPlanCounts Counts { get; init; }
    public required IReadOnlyList<SyncPlanSample> Samples { get; init; }
}

/// <summary>
/// How many rows of each kind: creates, updates and deletes are sent; unchanged are not; refused were never sent
/// (null or duplicate key, a value that does not convert); owed were rejected before with the same data and wait for
/// a change (they are not resent as they are).
/// </summary>
public sealed record SyncPlanCounts(long SourceRows, long Creates, long Updates, long Deletes, long Unchanged, long Refused, long Owed)
{
    public long ToSend => Creates + Updates + Deletes;
}

/// <summary>
/// One sample row of a plan: its kind, key, the fields it sends (after), what it replaces (before: the fields the
/// destination acknowledged, and their hash) or why it was refused. Before is null when the ledger holds only the
/// hash of what was acknowledged (the store's copy of the ledger was rebuilt from the state file).
/// </summary>
public sealed record SyncPlanSample(string Kind, string? Key, string? After, string? BeforeHash, string? Reason, string? Before = null);
