namespace Ladle.Engine.Alerts;

/// <summary>Whether an alert announces a new incident or the end of one.</summary>
public enum AlertEventKind : byte
{
    IncidentOpened,
    IncidentResolved,
}

/// <summary>
/// One thing worth telling a channel: an incident of a dataset opened or resolved. Every channel renders the
/// same event into its own body.
/// </summary>
/// <param name="Kind">The incident's kind, <see cref="IncidentKinds.Failed"/> or <see cref="IncidentKinds.Stale"/>.</param>
/// <param name="Status">The dataset's status when the event was raised (ok, warn, stale, failed, unavailable).</param>
/// <param name="Since">Since when <paramref name="Status"/> holds, when known.</param>
/// <param name="VersionServed">The version readers get now; null when nothing was ever published.</param>
public sealed record AlertEvent(
    AlertEventKind Event, string Dataset, string Kind, string Status, string? Reason, DateTimeOffset? Since,
    string Project, long? VersionServed, DateTimeOffset At)
{
    /// <summary>The sync the incident is about (its run failed, broke or had rejections), or null for a dataset's own incident.</summary>
    public string? Sync { get; init; }

    /// <summary>The stream whose alert rule raised the incident (its windows dataset is <see cref="Dataset"/>), or null.</summary>
    public string? Stream { get; init; }

    /// <summary>The key (its values joined by '/') a stream's alert rule is about, or null.</summary>
    public string? Key { get; init; }

    /// <summary>The event's name as it appears in payloads: incident_opened or incident_resolved.</summary>
    public string EventName => Event == AlertEventKind.IncidentOpened ? "incident_opened" : "incident_resolved";
}
