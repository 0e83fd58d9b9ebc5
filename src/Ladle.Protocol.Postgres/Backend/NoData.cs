using System.Buffers;

namespace Ladle.Protocol.Postgres.Backend;

/// <summary>NoData ('n'): the described statement or portal returns no rows.</summary>
public static class NoData
{
    /// <summary>Writes the message.</summary>
    public static void Write(IBufferWriter<byte> writer) => BackendWriter.WriteEmpty(writer, BackendMessageType.NoData);
}
