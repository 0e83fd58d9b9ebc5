namespace Ladle.Engine.State;

/// <summary>
/// The life of a dataset version: building, then published, quarantined (an error check failed: kept for its
/// owner, never served) or failed (it could not be built); dropped once retention lets it go. An attempt cut short
/// by Ladle stopping (killed, or a clean shutdown that cancelled it) is interrupted: not a failure of the data, and
/// owed, so it runs again when Ladle starts.
/// </summary>
public enum VersionStatus : byte
{
    Building,
    Published,
    Failed,
    Dropped,
    Quarantined,
    Interrupted,
}

/// <summary>One materialization attempt of a dataset, as recorded in the state store.</summary>
public sealed record VersionRecord
{
    public required string Dataset { get; init; }
    public required long Version { get; init; }
    public required VersionStatus Status { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public DateTimeOffset? PublishedAt { get; init; }
    public long? RowCount { get; init; }

    /// <summary>The newest value of the watermark column, or the newest source file time, as text.</summary>
    public string? Watermark { get; init; }

    public string? Error { get; init; }

    /// <summary>What started the run: cli, api, schedule, startup, cascade, recovery (an interrupted run run again).</summary>
    public string? Trigger { get; init; }
}
