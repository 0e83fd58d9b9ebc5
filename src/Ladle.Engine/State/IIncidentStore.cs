namespace Ladle.Engine.State;

/// <summary>Incidents (a dataset failed or stale) and the alerts still owed for their opening and resolution.</summary>
public interface IIncidentStore
{
    /// <summary>
    /// Opens an incident unless one of that kind is open; returns its id when this call opened it. Its opening is
    /// recorded as not yet alerted, in the same write.
    /// </summary>
    Task<long?> OpenIncidentAsync(string dataset, string kind, string reason, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Resolves the open incident of that kind, if any; returns its id when this call resolved it (recorded as not yet alerted).</summary>
    Task<long?> ResolveIncidentAsync(string dataset, string kind, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Records that the alert of an incident's opening (or its resolution) has been dealt with by every channel.</summary>
    Task MarkIncidentAlertedAsync(long incident, bool resolution, CancellationToken cancellationToken);

    /// <summary>Incidents whose opening or resolution was never alerted (the process stopped first), oldest first.</summary>
    Task<IReadOnlyList<UnalertedIncident>> ListUnalertedIncidentsAsync(CancellationToken cancellationToken);

    /// <summary>Incidents of a dataset (or of all when null), newest first.</summary>
    Task<IReadOnlyList<Incident>> ListIncidentsAsync(string? dataset, int limit, CancellationToken cancellationToken);
}
