using System.Buffers;

namespace Ladle.Protocol.Postgres.Backend;

/// <summary>AuthenticationSASLFinal: the SASL outcome data (for SCRAM, the server-final-message with the server signature).</summary>
public static class AuthenticationSaslFinal
{
    /// <summary>Writes the message carrying <paramref name="data"/>.</summary>
    public static void Write(IBufferWriter<byte> writer, ReadOnlySpan<byte> data) => AuthenticationFrame.Write(writer, AuthenticationCode.SaslFinal, data);
}
