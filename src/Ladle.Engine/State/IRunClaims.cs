namespace Ladle.Engine.State;

/// <summary>
/// What makes several serving nodes one scheduler (the PostgreSQL state): each occasion to run a dataset (a schedule's
/// due time, the retry of an interrupted or abandoned version) is claimed once across nodes, and only the node that
/// claims it asks for the run; builds that died with their node are found from the shared ledger and run leases.
/// A single node (SQLite state) has none: its one scheduler is the only one.
/// </summary>
public interface IRunClaims
{
    /// <summary>
    /// Claims runs, each a dataset and an <paramref name="runs"/> occasion (e.g. <c>schedule:2026-11-29T12:00:00Z</c>,
    /// <c>recovery:v12</c>): each is won by exactly one caller, whichever node asks first, and later callers get
    /// nothing. Runs asked for together are claimed together (one node wins a schedule's datasets due at one time, so
    /// they still build inputs first). Returns the datasets this caller won.
    /// </summary>
    Task<IReadOnlyList<string>> TryClaimRunsAsync(IReadOnlyList<(string Dataset, string Occasion)> runs, string node, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>
    /// Each dataset's newest attempt when it is unfinished (building, or interrupted and so owed), with the owner of the
    /// dataset's live run lease (null when none is live: a build with no live lease lost its node, which stopped
    /// renewing it).
    /// </summary>
    Task<IReadOnlyList<(VersionRecord Version, string? LeaseOwner)>> ListUnfinishedAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Records a build whose node died as interrupted (owed), only while it is still building: false when its
    /// builder finished it after all (published, failed) or another node already did this.
    /// </summary>
    Task<bool> AbandonBuildAsync(string dataset, long version, string reason, DateTimeOffset at, CancellationToken cancellationToken);
}
