using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Ladle.Protocol.Postgres.Backend;

/// <summary>
/// Writes whole frames straight into the caller's <see cref="IBufferWriter{T}"/>: each message's size is computed
/// first, so one span is taken and advanced once, and many messages can be coalesced before one flush.
/// </summary>
internal static class BackendWriter
{
    public const int HeaderSize = 5;

    /// <summary>Returns a span for the whole frame with the header written; fill it from <see cref="HeaderSize"/>, then call <see cref="End"/>.</summary>
    public static Span<byte> Begin(IBufferWriter<byte> writer, BackendMessageType type, int bodyLength)
    {
        var span = writer.GetSpan(HeaderSize + bodyLength)[..(HeaderSize + bodyLength)];
        span[0] = (byte)type;
        BinaryPrimitives.WriteInt32BigEndian(span[1..], bodyLength + 4);
        return span;
    }

    public static void End(IBufferWriter<byte> writer, int bodyLength) => writer.Advance(HeaderSize + bodyLength);

    public static void WriteEmpty(IBufferWriter<byte> writer, BackendMessageType type)
    {
        Begin(writer, type, 0);
        End(writer, 0);
    }

    /// <summary>Bytes of <paramref name="value"/> as a C string, terminator included.</summary>
    public static int CStringLength(string value)
    {
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("A protocol string cannot contain a NUL character: PostgreSQL strings are null-terminated.", nameof(value));
        }

        return Encoding.UTF8.GetByteCount(value) + 1;
    }

    public static int WriteCString(Span<byte> span, string value)
    {
        var written = Encoding.UTF8.GetBytes(value, span);
        span[written] = 0;
        return written + 1;
    }

    public static int WriteInt16(Span<byte> span, short value)
    {
        BinaryPrimitives.WriteInt16BigEndian(span, value);
        return 2;
    }

    public static int WriteInt32(Span<byte> span, int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(span, value);
        return 4;
    }
}
