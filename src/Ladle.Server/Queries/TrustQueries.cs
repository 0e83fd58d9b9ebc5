using Ladle.Core.Model;
using Ladle.Engine.Checks;
using Ladle.Engine.State;
using Ladle.Engine.Trust;
using Ladle.Engine.Versions;

namespace Ladle.Server.Queries;

/// <summary>
/// What the trust endpoints ask (status, health reports, check results, checks on demand, whether Ladle can write):
/// the one place the server's handlers evaluate a dataset's trust status, from the version catalog.
/// </summary>
public sealed class TrustQueries(string project, VersionCatalog catalog, IStateStore state, CheckRunner checks, WriteHealth writes)
{
    /// <summary>The project's name, as health reports state it.</summary>
    public string Project => project;

    /// <summary>Whether Ladle's own files can be written right now.</summary>
    public WriteHealth Writes => writes;

    /// <summary>The dataset's served version and its status now.</summary>
    public DatasetStatus Status(DatasetDefinition dataset)
    {
        var served = dataset.Materialization == Materialization.Table ? catalog.Current(dataset.Name) : null;
        return new DatasetStatus(served, catalog.Evaluate(dataset, served));
    }

    /// <summary>Status with reason, the newest attempt, check results, freshness SLO and open incidents.</summary>
    public Task<HealthReport> HealthAsync(DatasetDefinition dataset, CancellationToken cancellationToken)
    {
        var (served, health) = Status(dataset);
        return HealthReports.BuildAsync(dataset, served, health, state, cancellationToken);
    }

    /// <summary>Recorded check results, newest first, of one version or of all.</summary>
    public Task<IReadOnlyList<CheckResult>> ChecksAsync(DatasetDefinition dataset, long? version, int limit, CancellationToken cancellationToken) =>
        state.ListCheckResultsAsync(dataset.Name, version, limit, cancellationToken);

    /// <summary>Runs the dataset's checks on what it serves now, publishing nothing; the served version's status follows them.</summary>
    public Task<IReadOnlyList<CheckResult>> RunChecksAsync(DatasetDefinition dataset, CancellationToken cancellationToken) =>
        checks.RunOnServedAsync(dataset, cancellationToken);
}
