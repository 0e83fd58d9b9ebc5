using System.Buffers;

namespace Ladle.Protocol.Postgres.Backend;

/// <summary>The single-byte answer to an SSLRequest or GSSENCRequest: 'S' (go ahead with the handshake) or 'N' (no).</summary>
public static class EncryptionResponse
{
    /// <summary>Writes 'S': the TLS handshake follows.</summary>
    public static void WriteAccept(IBufferWriter<byte> writer) => WriteByte(writer, (byte)'S');

    /// <summary>Writes 'N': the client goes on unencrypted (or gives up).</summary>
    public static void WriteDecline(IBufferWriter<byte> writer) => WriteByte(writer, (byte)'N');

    private static void WriteByte(IBufferWriter<byte> writer, byte value)
    {
        writer.GetSpan(1)[0] = value;
        writer.Advance(1);
    }
}
