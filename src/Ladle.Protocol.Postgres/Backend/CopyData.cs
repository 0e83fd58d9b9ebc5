using System.Buffers;

namespace Ladle.Protocol.Postgres.Backend;

/// <summary>CopyData ('d') from the server: a chunk of COPY TO STDOUT data (by convention one row per message).</summary>
public static class CopyData
{
    /// <summary>Writes the message carrying <paramref name="data"/>.</summary>
    public static void Write(IBufferWriter<byte> writer, ReadOnlySpan<byte> data)
    {
        var span = BackendWriter.Begin(writer, BackendMessageType.CopyData, data.Length);
        data.CopyTo(span[BackendWriter.HeaderSize..]);
        BackendWriter.End(writer, data.Length);
    }
}
