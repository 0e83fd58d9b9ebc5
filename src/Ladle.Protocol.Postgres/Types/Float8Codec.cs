using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;

namespace Ladle.Protocol.Postgres.Types;

/// <summary>float8 (OID 701): text in PostgreSQL's shortest round-trip spelling; binary IEEE 754 big-endian.</summary>
public static class Float8Codec
{
    private const string Type = "double precision";

    /// <summary>Writes the shortest exact spelling, e.g. <c>1e+20</c>, <c>0.0001</c>, <c>NaN</c>.</summary>
    public static void WriteText(IBufferWriter<byte> writer, double value)
        => FloatFormat.Write(writer, value, value.ToString("R", CultureInfo.InvariantCulture), 15);

    /// <summary>Writes 8 big-endian bytes.</summary>
    public static void WriteBinary(IBufferWriter<byte> writer, double value)
    {
        BinaryPrimitives.WriteDoubleBigEndian(writer.GetSpan(8), value);
        writer.Advance(8);
    }

    /// <summary>Reads a decimal or exponent spelling, or NaN/Infinity; a finite spelling that overflows is 22003.</summary>
    public static double ReadText(ReadOnlySpan<byte> value) => FloatFormat.Parse(value, Type);

    /// <summary>Reads exactly 8 big-endian bytes.</summary>
    public static double ReadBinary(ReadOnlySpan<byte> value)
    {
        CodecErrors.Length(value, 8, Type);
        return BinaryPrimitives.ReadDoubleBigEndian(value);
    }
}
