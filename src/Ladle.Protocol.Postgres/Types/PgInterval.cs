namespace Ladle.Protocol.Postgres.Types;

/// <summary>
/// A PostgreSQL interval: months, days and microseconds kept apart, as PostgreSQL does (a month is not a fixed number
/// of days, nor a day of hours across a DST change).
/// </summary>
public readonly record struct PgInterval(int Months, int Days, long Microseconds)
{
    /// <summary>An interval of whole days and a time of day from a <see cref="TimeSpan"/> (ticks below a microsecond are cut).</summary>
    public static PgInterval FromTimeSpan(TimeSpan value)
    {
        var days = (int)value.Days;
        var remainder = value - TimeSpan.FromDays(days);
        return new PgInterval(0, days, remainder.Ticks / TimeSpan.TicksPerMicrosecond);
    }
}
