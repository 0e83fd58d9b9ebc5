namespace Ladle.Engine.Encoders.Internal;

/// <summary>
/// Dates and timestamps as ISO 8601 UTF-8. Written by hand because they sit on every row of an export and a
/// custom format string is parsed on every call.
/// </summary>
/// <remarks>
/// Timestamps keep microseconds, the precision of DuckDB and of the Parquet files Ladle writes; trailing
/// zeros of the fraction are dropped and a whole second has none.
/// </remarks>
internal static class Iso8601
{
    public const int DateLength = 10;

    /// <summary>Longest timestamp: <c>yyyy-MM-ddTHH:mm:ss.ffffffZ</c>.</summary>
    public const int MaxTimestampLength = 27;

    public static int WriteDate(Span<byte> destination, DateOnly date)
    {
        date.Deconstruct(out var year, out var month, out var day);
        destination = destination[..DateLength];
        destination[9] = Digit(day % 10);
        destination[8] = Digit(day / 10);
        destination[7] = (byte)'-';
        destination[6] = Digit(month % 10);
        destination[5] = Digit(month / 10);
        destination[4] = (byte)'-';
        destination[3] = Digit(year % 10);
        destination[2] = Digit(year / 10 % 10);
        destination[1] = Digit(year / 100 % 10);
        destination[0] = Digit(year / 1000);
        return DateLength;
    }

    /// <summary>
    /// Writes <paramref name="value"/>'s clock reading, whatever its Kind: Ladle timestamps are UTC by convention.
    /// </summary>
    /// <param name="separator"><c>T</c> for strict ISO 8601 (JSON), a space for CSV as DuckDB and spreadsheets write it.</param>
    /// <param name="utcSuffix">Appends <c>Z</c>.</param>
    public static int WriteTimestamp(Span<byte> destination, DateTime value, byte separator, bool utcSuffix)
    {
        var ticks = value.Ticks;
        WriteDate(destination, DateOnly.FromDayNumber((int)(ticks / TimeSpan.TicksPerDay)));
        var timeOfDay = ticks % TimeSpan.TicksPerDay;
        var seconds = (int)(timeOfDay / TimeSpan.TicksPerSecond);
        destination = destination[..MaxTimestampLength];
        destination[10] = separator;
        WriteTwo(destination[11..], seconds / 3600);
        destination[13] = (byte)':';
        WriteTwo(destination[14..], seconds / 60 % 60);
        destination[16] = (byte)':';
        WriteTwo(destination[17..], seconds % 60);
        var length = 19;
        var micros = (int)(timeOfDay % TimeSpan.TicksPerSecond / TimeSpan.TicksPerMicrosecond);
        if (micros != 0)
        {
            destination[19] = (byte)'.';
            for (var i = 25; i >= 20; i--)
            {
                destination[i] = Digit(micros % 10);
                micros /= 10;
            }
            length = 26;
            while (destination[length - 1] == (byte)'0') length--;
        }
        if (utcSuffix) destination[length++] = (byte)'Z';
        return length;
    }

    private static void WriteTwo(Span<byte> destination, int value)
    {
        destination[1] = Digit(value % 10);
        destination[0] = Digit(value / 10);
    }

    private static byte Digit(int value) => (byte)('0' + value);
}
