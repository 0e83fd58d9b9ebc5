using System.Buffers;

namespace Ladle.Protocol.Postgres.Backend;

/// <summary>AuthenticationCleartextPassword: the client must send its password in a PasswordMessage (only ever inside TLS).</summary>
public static class AuthenticationCleartextPassword
{
    /// <summary>Writes the message.</summary>
    public static void Write(IBufferWriter<byte> writer) => AuthenticationFrame.Write(writer, AuthenticationCode.CleartextPassword, []);
}
