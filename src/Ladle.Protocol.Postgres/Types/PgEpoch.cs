namespace Ladle.Protocol.Postgres.Types;

/// <summary>PostgreSQL's binary date/time epoch, 2000-01-01 (days for date, microseconds for timestamps).</summary>
internal static class PgEpoch
{
    public static readonly int DayNumber = new DateOnly(2000, 1, 1).DayNumber;
    public static readonly long Ticks = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Unspecified).Ticks;

    public static long ToMicroseconds(DateTime value) => (value.Ticks - Ticks) / TimeSpan.TicksPerMicrosecond;

    public static DateTime FromMicroseconds(long microseconds, DateTimeKind kind, string type)
    {
        if (microseconds is long.MaxValue or long.MinValue)
        {
            return CodecErrors.DateOutOfRange<DateTime>(type);
        }

        var minMicros = (DateTime.MinValue.Ticks - Ticks) / TimeSpan.TicksPerMicrosecond;
        var maxMicros = (DateTime.MaxValue.Ticks - Ticks) / TimeSpan.TicksPerMicrosecond;
        if (microseconds < minMicros || microseconds > maxMicros)
        {
            return CodecErrors.DateOutOfRange<DateTime>(type);
        }

        return new DateTime(Ticks + (microseconds * TimeSpan.TicksPerMicrosecond), kind);
    }
}
