namespace Ladle.Engine.State;

/// <summary>The results of check runs, per dataset and version, and the measured history anomaly checks compare with.</summary>
public interface ICheckResultStore
{
    /// <summary>Records the results of one check run.</summary>
    Task RecordCheckResultsAsync(IReadOnlyList<CheckResult> results, CancellationToken cancellationToken);

    /// <summary>Check results of a dataset, newest first; of one version when <paramref name="version"/> is set.</summary>
    Task<IReadOnlyList<CheckResult>> ListCheckResultsAsync(string dataset, long? version, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// A check's measured values on the last published (or since dropped) versions before
    /// <paramref name="beforeVersion"/>, one per version (its newest run), newest first (anomaly history).
    /// </summary>
    Task<IReadOnlyList<double>> CheckHistoryAsync(string dataset, string check, long? beforeVersion, int limit, CancellationToken cancellationToken);
}
