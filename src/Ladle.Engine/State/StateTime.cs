namespace Ladle.Engine.State;

/// <summary>
/// The precision every state store keeps times at: the microsecond (PostgreSQL's <c>timestamptz</c>), truncated, in
/// UTC. SQLite could keep ticks, but then a time written to one backend would read back differently from the other,
/// and two times a few ticks apart would order differently: every backend truncates the same way.
/// </summary>
internal static class StateTime
{
    /// <summary><paramref name="at"/> in UTC, truncated to the microsecond.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset at)
    {
        var ticks = at.UtcTicks;
        return new DateTimeOffset(ticks - ticks % TimeSpan.TicksPerMicrosecond, TimeSpan.Zero);
    }

    /// <summary>The <see cref="DateTime"/> (kind UTC) Npgsql writes as <c>timestamptz</c>, truncated to the microsecond.</summary>
    public static DateTime Utc(DateTimeOffset at) => Truncate(at).UtcDateTime;
}
