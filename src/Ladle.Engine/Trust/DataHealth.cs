namespace Ladle.Engine.Trust;

/// <summary>The trust status of a dataset, stated on every answer.</summary>
public enum DataStatus : byte
{
    /// <summary>The served version passed its checks and is within its freshness promise (or: live).</summary>
    Ok,

    /// <summary>A warn-severity check failed on the served version.</summary>
    Warn,

    /// <summary>The freshness promise is broken: the served version is older than allowed.</summary>
    Stale,

    /// <summary>The newest attempt failed or was quarantined; an older good version is served.</summary>
    Failed,

    /// <summary>Nothing was ever published.</summary>
    Unavailable,
}

/// <summary>A dataset's status with the reason and since when, as the owner needs it.</summary>
public sealed record DataHealth(DataStatus Status, string? Reason = null, DateTimeOffset? Since = null)
{
    public static DataHealth Ok { get; } = new(DataStatus.Ok);

    public string StatusName => Status.ToString().ToLowerInvariant();
}
