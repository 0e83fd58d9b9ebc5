namespace Ladle.Engine.Alerts;

/// <summary>The kinds of incident recorded in the state store and named in alerts.</summary>
public static class IncidentKinds
{
    /// <summary>The newest attempt to publish the dataset failed or was quarantined.</summary>
    public const string Failed = "failed";

    /// <summary>The served version is older than the dataset's freshness promise allows.</summary>
    public const string Stale = "stale";
}
