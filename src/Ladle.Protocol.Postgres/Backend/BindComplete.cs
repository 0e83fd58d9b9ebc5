using System.Buffers;

namespace Ladle.Protocol.Postgres.Backend;

/// <summary>BindComplete ('2'): the Bind succeeded.</summary>
public static class BindComplete
{
    /// <summary>Writes the message.</summary>
    public static void Write(IBufferWriter<byte> writer) => BackendWriter.WriteEmpty(writer, BackendMessageType.BindComplete);
}
