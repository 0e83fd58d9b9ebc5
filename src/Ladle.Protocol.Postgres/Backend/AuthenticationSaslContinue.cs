using System.Buffers;

namespace Ladle.Protocol.Postgres.Backend;

/// <summary>AuthenticationSASLContinue: a SASL challenge (for SCRAM, the server-first-message).</summary>
public static class AuthenticationSaslContinue
{
    /// <summary>Writes the message carrying <paramref name="data"/>.</summary>
    public static void Write(IBufferWriter<byte> writer, ReadOnlySpan<byte> data) => AuthenticationFrame.Write(writer, AuthenticationCode.SaslContinue, data);
}
