using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace Ladle.Protocol.Postgres.Frontend;

/// <summary>
/// Parses the first packet of a connection (and the one after an SSLRequest/GSSENCRequest answer): an Int32 length
/// that counts itself, an Int32 code, the body. Same contract as <see cref="FrontendParser"/>.
/// </summary>
public static class StartupParser
{
    private const int HeaderSize = 8;
    private const int ProtocolMajor3 = 3;

    /// <summary>Tries to parse one start-up packet from the start of <paramref name="buffer"/>.</summary>
    public static bool TryParse(
        in ReadOnlySequence<byte> buffer,
        PgProtocolLimits limits,
        [NotNullWhen(true)] out StartupPacket? packet,
        out int consumed,
        out int needed)
    {
        packet = null;
        consumed = 0;
        Span<byte> header = stackalloc byte[HeaderSize];
        // The length is checked from its own four bytes: a client that lies in it is refused without waiting for more.
        if (buffer.Length >= 4)
        {
            buffer.Slice(0, 4).CopyTo(header);
            var claimed = BinaryPrimitives.ReadInt32BigEndian(header);
            if (claimed < HeaderSize || claimed > limits.MaxStartupPacketSize)
            {
                PgProtocolException.ThrowViolation($"invalid length of startup packet: {claimed} (expected {HeaderSize} to {limits.MaxStartupPacketSize} bytes)");
            }
        }

        if (buffer.Length < HeaderSize)
        {
            needed = HeaderSize;
            return false;
        }

        buffer.Slice(0, HeaderSize).CopyTo(header);
        var length = BinaryPrimitives.ReadInt32BigEndian(header);
        var code = BinaryPrimitives.ReadInt32BigEndian(header[4..]);

        // Fixed-size requests are checked from the header, so a lying length is refused at once.
        var fixedLength = code switch
        {
            StartupPacket.SslRequestCode or StartupPacket.GssEncRequestCode => 8,
            StartupPacket.CancelRequestCode => 16,
            _ => 0,
        };
        if (fixedLength != 0 && length != fixedLength)
        {
            PgProtocolException.ThrowViolation($"invalid length of startup packet: {length} for request code {code} (expected {fixedLength})");
        }

        if (buffer.Length < length)
        {
            needed = length;
            return false;
        }

        needed = 0;
        consumed = length;
        var body = buffer.Slice(HeaderSize, length - HeaderSize);
        switch (code)
        {
            case StartupPacket.SslRequestCode:
                packet = SslRequest.Instance;
                return true;
            case StartupPacket.GssEncRequestCode:
                packet = GssEncRequest.Instance;
                return true;
            case StartupPacket.CancelRequestCode:
                Span<byte> keys = stackalloc byte[8];
                body.CopyTo(keys);
                packet = new CancelRequest(BinaryPrimitives.ReadInt32BigEndian(keys), BinaryPrimitives.ReadInt32BigEndian(keys[4..]));
                return true;
        }

        var major = code >>> 16;
        var minor = code & 0xffff;
        if (major != ProtocolMajor3)
        {
            PgProtocolException.Throw(
                PgSqlState.FeatureNotSupported,
                $"unsupported frontend protocol {major}.{minor}: server supports 3.0 to 3.0");
        }

        var bytes = body.IsSingleSegment ? body.FirstSpan : body.ToArray();
        packet = new StartupMessage(major, minor, ReadParameters(bytes, limits));
        return true;
    }

    private static KeyValuePair<string, string>[] ReadParameters(ReadOnlySpan<byte> body, PgProtocolLimits limits)
    {
        var reader = new MessageBodyReader(body, "StartupMessage", limits.MaxStringLength);
        var parameters = new List<KeyValuePair<string, string>>();
        while (true)
        {
            if (reader.Remaining == 0)
            {
                PgProtocolException.ThrowViolation("StartupMessage: the parameter list has no final terminator");
            }

            var name = reader.ReadCString("parameter name");
            if (name.Length == 0)
            {
                break;
            }

            if (parameters.Count == limits.MaxStartupParameters)
            {
                PgProtocolException.ThrowLimit($"StartupMessage: more than {limits.MaxStartupParameters} parameters");
            }

            var value = reader.ReadCString($"value of {name}");
            parameters.Add(new(name, value));
        }

        reader.EnsureEnd();
        return [.. parameters];
    }
}
