using System.Buffers;

namespace Ladle.Protocol.Postgres.Backend;

/// <summary>ParameterStatus ('S'): the current value of a run-time parameter the client tracks (server_version, TimeZone, …).</summary>
public static class ParameterStatus
{
    /// <summary>Writes <paramref name="name"/> = <paramref name="value"/>.</summary>
    public static void Write(IBufferWriter<byte> writer, string name, string value)
    {
        var body = BackendWriter.CStringLength(name) + BackendWriter.CStringLength(value);
        var span = BackendWriter.Begin(writer, BackendMessageType.ParameterStatus, body);
        var at = BackendWriter.HeaderSize + BackendWriter.WriteCString(span[BackendWriter.HeaderSize..], name);
        BackendWriter.WriteCString(span[at..], value);
        BackendWriter.End(writer, body);
    }
}
