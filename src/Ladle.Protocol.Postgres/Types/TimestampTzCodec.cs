using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;

namespace Ladle.Protocol.Postgres.Types;

/// <summary>
/// timestamp with time zone (OID 1184): binary Int64 microseconds since 2000-01-01 00:00:00 UTC. Text is written in
/// the session TimeZone Ladle reports, UTC: <c>2024-01-02 03:04:05.123456+00</c>.
/// </summary>
public static class TimestampTzCodec
{
    private const string Type = "timestamp with time zone";

    /// <summary>Writes the instant in UTC with the <c>+00</c> offset.</summary>
    public static void WriteText(IBufferWriter<byte> writer, DateTimeOffset value) => DateTimeText.Write(writer, value.UtcDateTime, "+00"u8);

    /// <summary>Writes microseconds since 2000-01-01 UTC.</summary>
    public static void WriteBinary(IBufferWriter<byte> writer, DateTimeOffset value)
    {
        BinaryPrimitives.WriteInt64BigEndian(writer.GetSpan(8), PgEpoch.ToMicroseconds(value.UtcDateTime));
        writer.Advance(8);
    }

    /// <summary>
    /// Reads the ISO spelling with an optional zone: <c>Z</c>, <c>UTC</c>, <c>±hh</c>, <c>±hh:mm</c>, <c>±hhmm</c>;
    /// no zone means the session's, UTC.
    /// </summary>
    public static DateTimeOffset ReadText(ReadOnlySpan<byte> value)
    {
        Span<char> buffer = stackalloc char[64];
        var text = Utf8Text.TrimmedAscii(value, buffer, Type);
        if (!DateTimeText.TryParse(text, out var local, out var rest))
        {
            return DateTimeText.LooksLikeOutOfRange(text) ? CodecErrors.DateOutOfRange<DateTimeOffset>(Type) : CodecErrors.DateFormat<DateTimeOffset>(Type);
        }

        rest = rest.TrimStart(' ');
        if (!TryOffset(rest, out var offset))
        {
            return CodecErrors.DateFormat<DateTimeOffset>(Type);
        }

        var utcTicks = local.Ticks - offset.Ticks;
        return utcTicks < DateTime.MinValue.Ticks || utcTicks > DateTime.MaxValue.Ticks
            ? CodecErrors.DateOutOfRange<DateTimeOffset>(Type)
            : new DateTimeOffset(utcTicks, TimeSpan.Zero);
    }

    /// <summary>Reads exactly 8 bytes of microseconds since 2000-01-01 UTC.</summary>
    public static DateTimeOffset ReadBinary(ReadOnlySpan<byte> value)
    {
        CodecErrors.Length(value, 8, Type);
        var utc = PgEpoch.FromMicroseconds(BinaryPrimitives.ReadInt64BigEndian(value), DateTimeKind.Utc, Type);
        return new DateTimeOffset(utc, TimeSpan.Zero);
    }

    private static bool TryOffset(ReadOnlySpan<char> zone, out TimeSpan offset)
    {
        offset = TimeSpan.Zero;
        if (zone.IsEmpty || zone is "Z" or "z" || zone.Equals("UTC", StringComparison.OrdinalIgnoreCase) || zone.Equals("GMT", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (zone[0] is not ('+' or '-'))
        {
            return false;
        }

        var sign = zone[0] == '-' ? -1 : 1;
        var digits = zone[1..];
        int hours;
        var minutes = 0;
        if (digits.Length == 2)
        {
            if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out hours))
            {
                return false;
            }
        }
        else if (digits.Length == 5 && digits[2] == ':')
        {
            if (!int.TryParse(digits[..2], NumberStyles.None, CultureInfo.InvariantCulture, out hours)
                || !int.TryParse(digits[3..], NumberStyles.None, CultureInfo.InvariantCulture, out minutes))
            {
                return false;
            }
        }
        else if (digits.Length == 4)
        {
            if (!int.TryParse(digits[..2], NumberStyles.None, CultureInfo.InvariantCulture, out hours)
                || !int.TryParse(digits[2..], NumberStyles.None, CultureInfo.InvariantCulture, out minutes))
            {
                return false;
            }
        }
        else
        {
            return false;
        }

        if (hours > 15 || minutes > 59)
        {
            return false;
        }

        offset = sign * new TimeSpan(hours, minutes, 0);
        return true;
    }
}
