using System.Buffers;

namespace Ladle.Protocol.Postgres.Backend;

/// <summary>ErrorResponse ('E'): a statement or the connection failed, with a SQLSTATE.</summary>
public static class ErrorResponse
{
    /// <summary>Writes the message.</summary>
    public static void Write(IBufferWriter<byte> writer, PgErrorFields fields) => ErrorFieldsWriter.Write(writer, BackendMessageType.ErrorResponse, fields);
}
