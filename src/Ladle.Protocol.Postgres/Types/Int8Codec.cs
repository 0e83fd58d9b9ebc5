using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;

namespace Ladle.Protocol.Postgres.Types;

/// <summary>int8 (OID 20): text decimal; binary 8-byte big-endian two's complement.</summary>
public static class Int8Codec
{
    private const string Type = "bigint";

    /// <summary>Writes the decimal digits.</summary>
    public static void WriteText(IBufferWriter<byte> writer, long value) => Utf8Text.WriteFormattable(writer, value);

    /// <summary>Writes 8 big-endian bytes.</summary>
    public static void WriteBinary(IBufferWriter<byte> writer, long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(writer.GetSpan(8), value);
        writer.Advance(8);
    }

    /// <summary>Reads an optionally signed decimal, trimmed; out of range is 22003.</summary>
    public static long ReadText(ReadOnlySpan<byte> value)
    {
        Span<char> buffer = stackalloc char[64];
        var text = Utf8Text.TrimmedAscii(value, buffer, Type);
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var result))
        {
            return result;
        }

        return IntegerSyntax.IsInteger(text) ? CodecErrors.OutOfRange<long>(Type) : CodecErrors.Text<long>(Type);
    }

    /// <summary>Reads exactly 8 big-endian bytes.</summary>
    public static long ReadBinary(ReadOnlySpan<byte> value)
    {
        CodecErrors.Length(value, 8, Type);
        return BinaryPrimitives.ReadInt64BigEndian(value);
    }
}
