using System.Buffers;
using System.Buffers.Binary;

namespace Ladle.Protocol.Postgres.Types;

/// <summary>
/// timestamp without time zone (OID 1114): text <c>2024-01-02 03:04:05.123456</c>; binary Int64 microseconds since
/// 2000-01-01 00:00:00. Ticks below a microsecond are cut, as PostgreSQL stores microseconds.
/// </summary>
public static class TimestampCodec
{
    private const string Type = "timestamp";

    /// <summary>Writes the ISO spelling without zone.</summary>
    public static void WriteText(IBufferWriter<byte> writer, DateTime value) => DateTimeText.Write(writer, value, []);

    /// <summary>Writes microseconds since 2000-01-01.</summary>
    public static void WriteBinary(IBufferWriter<byte> writer, DateTime value)
    {
        BinaryPrimitives.WriteInt64BigEndian(writer.GetSpan(8), PgEpoch.ToMicroseconds(value));
        writer.Advance(8);
    }

    /// <summary>Reads <c>yyyy-MM-dd[ HH:mm[:ss[.ffffff]]]</c>.</summary>
    public static DateTime ReadText(ReadOnlySpan<byte> value)
    {
        Span<char> buffer = stackalloc char[64];
        var text = Utf8Text.TrimmedAscii(value, buffer, Type);
        if (DateTimeText.TryParse(text, out var result, out var rest) && rest.IsEmpty)
        {
            return result;
        }

        return DateTimeText.LooksLikeOutOfRange(text) ? CodecErrors.DateOutOfRange<DateTime>(Type) : CodecErrors.DateFormat<DateTime>(Type);
    }

    /// <summary>Reads exactly 8 bytes of microseconds; infinity and years beyond 1–9999 are 22008.</summary>
    public static DateTime ReadBinary(ReadOnlySpan<byte> value)
    {
        CodecErrors.Length(value, 8, Type);
        return PgEpoch.FromMicroseconds(BinaryPrimitives.ReadInt64BigEndian(value), DateTimeKind.Unspecified, Type);
    }
}
