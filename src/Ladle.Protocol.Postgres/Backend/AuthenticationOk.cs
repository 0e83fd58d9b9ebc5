using System.Buffers;

namespace Ladle.Protocol.Postgres.Backend;

/// <summary>AuthenticationOk: the client is authenticated.</summary>
public static class AuthenticationOk
{
    /// <summary>Writes the message.</summary>
    public static void Write(IBufferWriter<byte> writer) => AuthenticationFrame.Write(writer, AuthenticationCode.Ok, []);
}
