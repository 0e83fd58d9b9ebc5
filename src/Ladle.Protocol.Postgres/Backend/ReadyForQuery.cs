using System.Buffers;

namespace Ladle.Protocol.Postgres.Backend;

/// <summary>ReadyForQuery ('Z'): the server waits for the next query; carries the transaction status.</summary>
public static class ReadyForQuery
{
    /// <summary>Writes the message.</summary>
    public static void Write(IBufferWriter<byte> writer, TransactionStatus status)
    {
        var span = BackendWriter.Begin(writer, BackendMessageType.ReadyForQuery, 1);
        span[BackendWriter.HeaderSize] = (byte)status;
        BackendWriter.End(writer, 1);
    }
}
