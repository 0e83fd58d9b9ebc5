using Ladle.Core.Errors;
using Ladle.Engine.State;

namespace Ladle.Engine;

/// <summary>How a run of one dataset ended. Each path that runs datasets (the scheduler, the refresh API, <c>ladle materialize</c>) reports this.</summary>
public enum RunStatus
{
    /// <summary>A new version was built, passed its error checks and is served.</summary>
    Published,
    /// <summary>The version was built but an error check stopped it; it is kept for inspection, the previous one stays served.</summary>
    Quarantined,
    /// <summary>The build failed for a reason waiting does not fix (its <see cref="RunOutcome.Category"/> says which: the definition, the source's data, a full disk…).</summary>
    Failed,
    /// <summary>The build failed because its source could not be reached: the one failure the scheduler retries.</summary>
    SourceUnavailable,
    /// <summary>Not built: one of its inputs did not publish, and nothing is built on top of a failure.</summary>
    Skipped,
    /// <summary>Ladle stopped before the version was published; the run is owed and runs again at the next start.</summary>
    Interrupted,
}

/// <summary>
/// The outcome of one run of a dataset: its <see cref="Status"/>, the version it built (if it got that far), its rows,
/// and for a failure the error's category and message. The same record whichever path ran it.
/// </summary>
public sealed record RunOutcome(string Dataset, RunStatus Status, long? Version, long Rows, TimeSpan Duration, string? Error)
{
    /// <summary>What kind of failure it was (<see cref="ErrorCategories"/>); null unless the run failed or its source was unavailable.</summary>
    public ErrorCategory? Category { get; init; }

    /// <summary>The checks run on the version.</summary>
    public IReadOnlyList<CheckResult> Checks { get; init; } = [];

    /// <summary>
    /// The error as the owner's build log shows it (`ladle materialize`), when it differs from <see cref="Error"/>: it may
    /// quote the source value that broke the contract, which Error (recorded, and readable through the API) never does.
    /// </summary>
    public string? Detail { get; init; }

    /// <summary>
    /// The owner of the run lease when another process or node was building the dataset, so this run built nothing
    /// (a conflict); null otherwise. A serving node's run queue waits for that build to end and then builds.
    /// </summary>
    public string? HeldBy { get; init; }

    /// <summary>True when the version is published.</summary>
    public bool Published => Status == RunStatus.Published;

    /// <summary>True when the version was built but an error check stopped it; it is kept for inspection.</summary>
    public bool Quarantined => Status == RunStatus.Quarantined;

    /// <summary>True when the run failed because the disk holding the store or the state store is full.</summary>
    public bool StorageFull => Category == ErrorCategory.StorageFull;

    /// <summary>Why a dataset was not built: nothing is built on top of an input that did not publish.</summary>
    public static RunOutcome Skipped(string dataset, string input) =>
        new(dataset, RunStatus.Skipped, null, 0, TimeSpan.Zero, $"skipped: its dependency '{input}' failed to materialize");

    /// <summary>A run Ladle's stopping cut short before it published (the publisher recorded its version as interrupted).</summary>
    public static RunOutcome Interrupted(string dataset) =>
        new(dataset, RunStatus.Interrupted, null, 0, TimeSpan.Zero, InterruptedReason);

    /// <summary>The reason recorded for a version whose run Ladle's stopping cut short.</summary>
    public const string InterruptedReason = "interrupted: Ladle stopped before this version was published; it runs again at the next start";

    /// <summary>
    /// How a build that failed with an error of this category ended: <see cref="RunStatus.SourceUnavailable"/> when
    /// waiting may fix it, else <see cref="RunStatus.Failed"/>. SQL over datasets runs in Ladle's own store: its errors
    /// are in the SQL or its inputs, which waiting won't fix, whatever their category.
    /// </summary>
    public static RunStatus FailureStatus(ErrorCategory category, bool derived) =>
        category.IsTransient() && !derived ? RunStatus.SourceUnavailable : RunStatus.Failed;
}
