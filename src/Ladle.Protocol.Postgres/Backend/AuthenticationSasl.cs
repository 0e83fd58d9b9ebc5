using System.Buffers;

namespace Ladle.Protocol.Postgres.Backend;

/// <summary>AuthenticationSASL: the SASL mechanisms the server offers, in order of preference.</summary>
public static class AuthenticationSasl
{
    /// <summary>Writes the message offering <paramref name="mechanisms"/> (e.g. SCRAM-SHA-256).</summary>
    public static void Write(IBufferWriter<byte> writer, ReadOnlySpan<string> mechanisms)
    {
        var body = 4 + 1;
        foreach (var mechanism in mechanisms)
        {
            body += BackendWriter.CStringLength(mechanism);
        }

        var span = BackendWriter.Begin(writer, BackendMessageType.Authentication, body);
        var at = BackendWriter.HeaderSize + BackendWriter.WriteInt32(span[BackendWriter.HeaderSize..], (int)AuthenticationCode.Sasl);
        foreach (var mechanism in mechanisms)
        {
            at += BackendWriter.WriteCString(span[at..], mechanism);
        }

        span[at] = 0;
        BackendWriter.End(writer, body);
    }
}
