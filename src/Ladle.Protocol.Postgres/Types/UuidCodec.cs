using System.Buffers;

namespace Ladle.Protocol.Postgres.Types;

/// <summary>uuid (OID 2950): text lowercase 8-4-4-4-12; binary the 16 bytes in RFC 4122 (big-endian) order.</summary>
public static class UuidCodec
{
    private const string Type = "uuid";

    /// <summary>Writes <c>a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11</c>.</summary>
    public static void WriteText(IBufferWriter<byte> writer, Guid value)
    {
        value.TryFormat(writer.GetSpan(36), out var written, "D");
        writer.Advance(written);
    }

    /// <summary>Writes the 16 bytes in network order.</summary>
    public static void WriteBinary(IBufferWriter<byte> writer, Guid value)
    {
        value.TryWriteBytes(writer.GetSpan(16), bigEndian: true, out _);
        writer.Advance(16);
    }

    /// <summary>Reads 32 hex digits, optionally in braces, with a hyphen allowed after any group of four (as uuid_in).</summary>
    public static Guid ReadText(ReadOnlySpan<byte> value)
    {
        if (value.Length >= 2 && value[0] == '{' && value[^1] == '}')
        {
            value = value[1..^1];
        }

        Span<byte> bytes = stackalloc byte[16];
        var digits = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var b = value[i];
            if (b == '-' && digits > 0 && digits % 4 == 0 && digits < 32 && i + 1 < value.Length && value[i + 1] != '-')
            {
                continue;
            }

            var nibble = b switch
            {
                >= (byte)'0' and <= (byte)'9' => b - '0',
                >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
                _ => -1,
            };
            if (nibble < 0 || digits == 32)
            {
                return CodecErrors.Text<Guid>(Type);
            }

            bytes[digits / 2] |= (byte)(digits % 2 == 0 ? nibble << 4 : nibble);
            digits++;
        }

        return digits == 32 ? new Guid(bytes, bigEndian: true) : CodecErrors.Text<Guid>(Type);
    }

    /// <summary>Reads exactly 16 bytes in network order.</summary>
    public static Guid ReadBinary(ReadOnlySpan<byte> value)
    {
        CodecErrors.Length(value, 16, Type);
        return new Guid(value, bigEndian: true);
    }
}
