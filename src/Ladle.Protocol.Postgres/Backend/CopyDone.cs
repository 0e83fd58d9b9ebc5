using System.Buffers;

namespace Ladle.Protocol.Postgres.Backend;

/// <summary>CopyDone ('c'): the end of COPY TO STDOUT data.</summary>
public static class CopyDone
{
    /// <summary>Writes the message.</summary>
    public static void Write(IBufferWriter<byte> writer) => BackendWriter.WriteEmpty(writer, BackendMessageType.CopyDone);
}
