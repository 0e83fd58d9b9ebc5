using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;

namespace Ladle.Protocol.Postgres.Types;

/// <summary>int4 (OID 23): text decimal; binary 4-byte big-endian two's complement.</summary>
public static class Int4Codec
{
    private const string Type = "integer";

    /// <summary>Writes the decimal digits.</summary>
    public static void WriteText(IBufferWriter<byte> writer, int value) => Utf8Text.WriteFormattable(writer, value);

    /// <summary>Writes 4 big-endian bytes.</summary>
    public static void WriteBinary(IBufferWriter<byte> writer, int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(writer.GetSpan(4), value);
        writer.Advance(4);
    }

    /// <summary>Reads an optionally signed decimal, trimmed; out of range is 22003.</summary>
    public static int ReadText(ReadOnlySpan<byte> value)
    {
        Span<char> buffer = stackalloc char[64];
        var text = Utf8Text.TrimmedAscii(value, buffer, Type);
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var result))
        {
            return result;
        }

        return IntegerSyntax.IsInteger(text) ? CodecErrors.OutOfRange<int>(Type) : CodecErrors.Text<int>(Type);
    }

    /// <summary>Reads exactly 4 big-endian bytes.</summary>
    public static int ReadBinary(ReadOnlySpan<byte> value)
    {
        CodecErrors.Length(value, 4, Type);
        return BinaryPrimitives.ReadInt32BigEndian(value);
    }
}
