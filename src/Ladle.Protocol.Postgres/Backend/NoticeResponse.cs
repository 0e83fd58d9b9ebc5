using System.Buffers;

namespace Ladle.Protocol.Postgres.Backend;

/// <summary>NoticeResponse ('N'): a warning or notice the client shows beside the result (e.g. a stale dataset).</summary>
public static class NoticeResponse
{
    /// <summary>Writes the message.</summary>
    public static void Write(IBufferWriter<byte> writer, PgErrorFields fields) => ErrorFieldsWriter.Write(writer, BackendMessageType.NoticeResponse, fields);
}
