using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;

namespace Ladle.Protocol.Postgres.Types;

/// <summary>float4 (OID 700): text in PostgreSQL's shortest round-trip spelling; binary IEEE 754 big-endian.</summary>
public static class Float4Codec
{
    private const string Type = "real";

    /// <summary>Writes the shortest exact spelling, e.g. <c>0.1</c>, <c>1.234567e+06</c>.</summary>
    public static void WriteText(IBufferWriter<byte> writer, float value)
        => FloatFormat.Write(writer, value, value.ToString("R", CultureInfo.InvariantCulture), 6);

    /// <summary>Writes 4 big-endian bytes.</summary>
    public static void WriteBinary(IBufferWriter<byte> writer, float value)
    {
        BinaryPrimitives.WriteSingleBigEndian(writer.GetSpan(4), value);
        writer.Advance(4);
    }

    /// <summary>Reads a decimal or exponent spelling, or NaN/Infinity; a finite value beyond float4's range is 22003.</summary>
    public static float ReadText(ReadOnlySpan<byte> value)
    {
        var result = FloatFormat.Parse(value, Type);
        var single = (float)result;
        return float.IsInfinity(single) && !double.IsInfinity(result) ? CodecErrors.OutOfRange<float>(Type) : single;
    }

    /// <summary>Reads exactly 4 big-endian bytes.</summary>
    public static float ReadBinary(ReadOnlySpan<byte> value)
    {
        CodecErrors.Length(value, 4, Type);
        return BinaryPrimitives.ReadSingleBigEndian(value);
    }
}
