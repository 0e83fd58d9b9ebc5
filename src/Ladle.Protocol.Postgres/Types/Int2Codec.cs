using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;

namespace Ladle.Protocol.Postgres.Types;

/// <summary>int2 (OID 21): text decimal; binary 2-byte big-endian two's complement.</summary>
public static class Int2Codec
{
    private const string Type = "smallint";

    /// <summary>Writes the decimal digits.</summary>
    public static void WriteText(IBufferWriter<byte> writer, short value) => Utf8Text.WriteFormattable(writer, value);

    /// <summary>Writes 2 big-endian bytes.</summary>
    public static void WriteBinary(IBufferWriter<byte> writer, short value)
    {
        BinaryPrimitives.WriteInt16BigEndian(writer.GetSpan(2), value);
        writer.Advance(2);
    }

    /// <summary>Reads an optionally signed decimal, trimmed; out of range is 22003.</summary>
    public static short ReadText(ReadOnlySpan<byte> value)
    {
        Span<char> buffer = stackalloc char[64];
        var text = Utf8Text.TrimmedAscii(value, buffer, Type);
        if (short.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var result))
        {
            return result;
        }

        return IntegerSyntax.IsInteger(text) ? CodecErrors.OutOfRange<short>(Type) : CodecErrors.Text<short>(Type);
    }

    /// <summary>Reads exactly 2 big-endian bytes.</summary>
    public static short ReadBinary(ReadOnlySpan<byte> value)
    {
        CodecErrors.Length(value, 2, Type);
        return BinaryPrimitives.ReadInt16BigEndian(value);
    }
}
