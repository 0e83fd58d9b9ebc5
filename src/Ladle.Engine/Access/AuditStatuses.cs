namespace Ladle.Engine.Access;

/// <summary>Audit statuses with a meaning of their own (others are "ok" or an error's kind).</summary>
public static class AuditStatuses
{
    /// <summary>A long read that began and has not ended: still streaming, or cut off when the process died.</summary>
    public const string Started = "started";

    /// <summary>A read whose client went away while its rows were being sent (the rows recorded are those sent).</summary>
    public const string Cut = "cut";

    /// <summary>The entry that records how many entries were lost while the store refused writes (in its rows).</summary>
    public const string Lost = "lost";
}
