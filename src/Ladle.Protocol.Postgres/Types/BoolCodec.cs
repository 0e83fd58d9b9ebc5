using System.Buffers;

namespace Ladle.Protocol.Postgres.Types;

/// <summary>bool (OID 16): text <c>t</c>/<c>f</c>; binary one byte 1/0.</summary>
public static class BoolCodec
{
    private const string Type = "boolean";

    /// <summary>Writes <c>t</c> or <c>f</c>.</summary>
    public static void WriteText(IBufferWriter<byte> writer, bool value)
    {
        writer.GetSpan(1)[0] = value ? (byte)'t' : (byte)'f';
        writer.Advance(1);
    }

    /// <summary>Writes one byte, 1 or 0.</summary>
    public static void WriteBinary(IBufferWriter<byte> writer, bool value)
    {
        writer.GetSpan(1)[0] = value ? (byte)1 : (byte)0;
        writer.Advance(1);
    }

    /// <summary>Reads PostgreSQL's boolean spellings: t/true/y/yes/on/1 and f/false/n/no/off/0, any case, trimmed.</summary>
    public static bool ReadText(ReadOnlySpan<byte> value)
    {
        Span<char> buffer = stackalloc char[16];
        var text = Utf8Text.TrimmedAscii(value, buffer, Type);
        Span<char> lower = stackalloc char[text.Length];
        text.ToLowerInvariant(lower);
        return lower switch
        {
            "t" or "true" or "y" or "yes" or "on" or "1" => true,
            "f" or "false" or "n" or "no" or "off" or "0" => false,
            _ => CodecErrors.Text<bool>(Type),
        };
    }

    /// <summary>Reads one byte: zero is false, anything else true (as boolrecv).</summary>
    public static bool ReadBinary(ReadOnlySpan<byte> value)
    {
        CodecErrors.Length(value, 1, Type);
        return value[0] != 0;
    }
}
