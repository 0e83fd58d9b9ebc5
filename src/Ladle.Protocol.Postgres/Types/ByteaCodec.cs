using System.Buffers;

namespace Ladle.Protocol.Postgres.Types;

/// <summary>bytea (OID 17): text in hex format (<c>\xdeadbeef</c>, bytea_output = hex); binary the raw bytes.</summary>
public static class ByteaCodec
{
    private const string Type = "bytea";

    /// <summary>Writes <c>\x</c> and two lowercase hex digits per byte.</summary>
    public static void WriteText(IBufferWriter<byte> writer, ReadOnlySpan<byte> value)
    {
        var span = writer.GetSpan(2 + (2 * value.Length));
        span[0] = (byte)'\\';
        span[1] = (byte)'x';
        var at = 2;
        foreach (var b in value)
        {
            span[at++] = "0123456789abcdef"u8[b >> 4];
            span[at++] = "0123456789abcdef"u8[b & 0xf];
        }

        writer.Advance(at);
    }

    /// <summary>Writes the raw bytes.</summary>
    public static void WriteBinary(IBufferWriter<byte> writer, ReadOnlySpan<byte> value) => writer.Write(value);

    /// <summary>Reads the hex format (whitespace between digit pairs allowed) or the escape format (<c>\\</c>, <c>\ooo</c>).</summary>
    public static byte[] ReadText(ReadOnlySpan<byte> value)
    {
        if (value.Length >= 2 && value[0] == '\\' && value[1] == 'x')
        {
            return ReadHex(value[2..]);
        }

        var output = new byte[value.Length];
        var n = 0;
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] != '\\')
            {
                output[n++] = value[i];
            }
            else if (i + 1 < value.Length && value[i + 1] == '\\')
            {
                output[n++] = (byte)'\\';
                i++;
            }
            else if (i + 3 < value.Length && IsOctal(value[i + 1], 3) && IsOctal(value[i + 2], 7) && IsOctal(value[i + 3], 7))
            {
                output[n++] = (byte)(((value[i + 1] - '0') << 6) | ((value[i + 2] - '0') << 3) | (value[i + 3] - '0'));
                i += 3;
            }
            else
            {
                return CodecErrors.Text<byte[]>(Type);
            }
        }

        return output.AsSpan(0, n).ToArray();
    }

    /// <summary>Reads the raw bytes.</summary>
    public static byte[] ReadBinary(ReadOnlySpan<byte> value) => value.ToArray();

    private static bool IsOctal(byte b, int max) => b >= '0' && b <= '0' + max;

    private static byte[] ReadHex(ReadOnlySpan<byte> hex)
    {
        var output = new byte[hex.Length / 2];
        var n = 0;
        for (var i = 0; i < hex.Length; i++)
        {
            if (hex[i] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
            {
                continue;
            }

            if (i + 1 >= hex.Length)
            {
                return CodecErrors.Text<byte[]>(Type);
            }

            var high = HexValue(hex[i]);
            var low = HexValue(hex[i + 1]);
            if (high < 0 || low < 0)
            {
                return CodecErrors.Text<byte[]>(Type);
            }

            output[n++] = (byte)((high << 4) | low);
            i++;
        }

        return n == output.Length ? output : output.AsSpan(0, n).ToArray();
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
