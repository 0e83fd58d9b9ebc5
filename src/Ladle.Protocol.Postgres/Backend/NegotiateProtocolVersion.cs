using System.Buffers;

namespace Ladle.Protocol.Postgres.Backend;

/// <summary>NegotiateProtocolVersion ('v'): the newest minor version the server speaks, and the <c>_pq_.</c> options it did not recognise.</summary>
public static class NegotiateProtocolVersion
{
    /// <summary>Writes the message.</summary>
    public static void Write(IBufferWriter<byte> writer, int newestMinorVersion, ReadOnlySpan<string> unrecognizedOptions)
    {
        var body = 8;
        foreach (var option in unrecognizedOptions)
        {
            body += BackendWriter.CStringLength(option);
        }

        var span = BackendWriter.Begin(writer, BackendMessageType.NegotiateProtocolVersion, body);
        var at = BackendWriter.HeaderSize + BackendWriter.WriteInt32(span[BackendWriter.HeaderSize..], newestMinorVersion);
        at += BackendWriter.WriteInt32(span[at..], unrecognizedOptions.Length);
        foreach (var option in unrecognizedOptions)
        {
            at += BackendWriter.WriteCString(span[at..], option);
        }

        BackendWriter.End(writer, body);
    }
}
