namespace Ladle.Engine.Versions;

/// <summary>What happened to a dataset's versions.</summary>
public enum VersionChangeKind : byte
{
    /// <summary>A version became the served one.</summary>
    Published,

    /// <summary>A version failed an error check: kept for inspection, never served.</summary>
    Quarantined,

    /// <summary>A retired or quarantined version's data was dropped.</summary>
    Dropped,
}

/// <summary>One change of the version catalog: a dataset's version published, quarantined or dropped.</summary>
public sealed record VersionChange(string Dataset, long Version, VersionChangeKind Kind, DateTimeOffset At);
