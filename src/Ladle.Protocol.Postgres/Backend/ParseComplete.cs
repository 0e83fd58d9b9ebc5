using System.Buffers;

namespace Ladle.Protocol.Postgres.Backend;

/// <summary>ParseComplete ('1'): the Parse succeeded.</summary>
public static class ParseComplete
{
    /// <summary>Writes the message.</summary>
    public static void Write(IBufferWriter<byte> writer) => BackendWriter.WriteEmpty(writer, BackendMessageType.ParseComplete);
}
