namespace Ladle.Engine.State;

/// <summary>A period during which a dataset was failed or stale; one alert when it opens, one when it resolves.</summary>
public sealed record Incident(long Id, string Dataset, string Kind, string Reason, DateTimeOffset OpenedAt, DateTimeOffset? ResolvedAt);

/// <summary>An incident with an alert still owed: of its opening, of its resolution, or both.</summary>
public sealed record UnalertedIncident(Incident Incident, bool Opening, bool Resolution);
