using System.Buffers;

namespace Ladle.Protocol.Postgres.Backend;

/// <summary>The shared frame of the Authentication ('R') messages: a code, then the code's data.</summary>
internal static class AuthenticationFrame
{
    public static void Write(IBufferWriter<byte> writer, AuthenticationCode code, ReadOnlySpan<byte> data)
    {
        var body = 4 + data.Length;
        var span = BackendWriter.Begin(writer, BackendMessageType.Authentication, body);
        BackendWriter.WriteInt32(span[BackendWriter.HeaderSize..], (int)code);
        data.CopyTo(span[(BackendWriter.HeaderSize + 4)..]);
        BackendWriter.End(writer, body);
    }
}
