using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;

namespace Ladle.Protocol.Postgres.Types;

/// <summary>date (OID 1082): text ISO <c>2024-01-02</c> (DateStyle ISO); binary Int32 days since 2000-01-01.</summary>
public static class DateCodec
{
    private const string Type = "date";

    /// <summary>Writes <c>yyyy-MM-dd</c>.</summary>
    public static void WriteText(IBufferWriter<byte> writer, DateOnly value) => Utf8Text.WriteFormattable(writer, value, "yyyy-MM-dd");

    /// <summary>Writes the day count since 2000-01-01.</summary>
    public static void WriteBinary(IBufferWriter<byte> writer, DateOnly value)
    {
        BinaryPrimitives.WriteInt32BigEndian(writer.GetSpan(4), value.DayNumber - PgEpoch.DayNumber);
        writer.Advance(4);
    }

    /// <summary>Reads <c>yyyy-MM-dd</c>; BC dates and infinity are out of Ladle's range (22008).</summary>
    public static DateOnly ReadText(ReadOnlySpan<byte> value)
    {
        Span<char> buffer = stackalloc char[64];
        var text = Utf8Text.TrimmedAscii(value, buffer, Type);
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        return DateTimeText.LooksLikeOutOfRange(text) ? CodecErrors.DateOutOfRange<DateOnly>(Type) : CodecErrors.DateFormat<DateOnly>(Type);
    }

    /// <summary>Reads exactly 4 bytes of day count.</summary>
    public static DateOnly ReadBinary(ReadOnlySpan<byte> value)
    {
        CodecErrors.Length(value, 4, Type);
        var days = (long)BinaryPrimitives.ReadInt32BigEndian(value) + PgEpoch.DayNumber;
        return days < DateOnly.MinValue.DayNumber || days > DateOnly.MaxValue.DayNumber
            ? CodecErrors.DateOutOfRange<DateOnly>(Type)
            : DateOnly.FromDayNumber((int)days);
    }
}
