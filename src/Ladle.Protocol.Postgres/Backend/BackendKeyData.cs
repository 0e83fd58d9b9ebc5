using System.Buffers;

namespace Ladle.Protocol.Postgres.Backend;

/// <summary>BackendKeyData ('K'): the process id and secret key a CancelRequest must quote.</summary>
public static class BackendKeyData
{
    /// <summary>Writes the message.</summary>
    public static void Write(IBufferWriter<byte> writer, int processId, int secretKey)
    {
        var span = BackendWriter.Begin(writer, BackendMessageType.BackendKeyData, 8);
        BackendWriter.WriteInt32(span[BackendWriter.HeaderSize..], processId);
        BackendWriter.WriteInt32(span[(BackendWriter.HeaderSize + 4)..], secretKey);
        BackendWriter.End(writer, 8);
    }
}
