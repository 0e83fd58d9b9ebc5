namespace Ladle.Core.Model;

/// <summary>What a build does with source rows that do not fit the declared columns (a CSV 'many' in an integer column).</summary>
public enum OnBadRows : byte
{
    /// <summary>The version fails, naming the first bad row's file, line and column.</summary>
    Fail,

    /// <summary>The version is built without the bad rows but quarantined: the last good version keeps being served.</summary>
    Quarantine,

    /// <summary>The bad rows are left out of the version and kept beside it; the bad_rows check counts them.</summary>
    Reject,
}

/// <summary>A dataset's <c>on_bad_rows</c>: the action, and for reject how many rows the bad_rows check tolerates and how it fails.</summary>
public sealed record BadRowsPolicy
{
    public static BadRowsPolicy Fail { get; } = new();

    public OnBadRows Action { get; init; } = OnBadRows.Fail;

    /// <summary>Rejected rows tolerated before the bad_rows check fails.</summary>
    public Threshold Threshold { get; init; } = Threshold.None;

    /// <summary>What the bad_rows check does when it fails: warn (publish, status warn) or error (quarantine).</summary>
    public CheckSeverity Severity { get; init; } = CheckSeverity.Warn;
}
