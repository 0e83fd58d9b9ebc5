using System.Buffers;

namespace Ladle.Protocol.Postgres.Backend;

/// <summary>CloseComplete ('3'): the Close succeeded.</summary>
public static class CloseComplete
{
    /// <summary>Writes the message.</summary>
    public static void Write(IBufferWriter<byte> writer) => BackendWriter.WriteEmpty(writer, BackendMessageType.CloseComplete);
}
