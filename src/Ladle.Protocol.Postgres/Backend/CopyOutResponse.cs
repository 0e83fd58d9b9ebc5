using System.Buffers;

namespace Ladle.Protocol.Postgres.Backend;

/// <summary>CopyOutResponse ('H'): COPY TO STDOUT starts; the overall format and each column's format.</summary>
public static class CopyOutResponse
{
    /// <summary>Writes the message. For text and CSV the overall format is text and every column is text.</summary>
    public static void Write(IBufferWriter<byte> writer, PgFormatCode overall, ReadOnlySpan<PgFormatCode> columns)
    {
        if (columns.Length > short.MaxValue)
        {
            throw new ArgumentException($"A COPY has at most {short.MaxValue} columns; got {columns.Length}.", nameof(columns));
        }

        var body = 1 + 2 + (2 * columns.Length);
        var span = BackendWriter.Begin(writer, BackendMessageType.CopyOutResponse, body);
        span[BackendWriter.HeaderSize] = (byte)overall;
        var at = BackendWriter.HeaderSize + 1 + BackendWriter.WriteInt16(span[(BackendWriter.HeaderSize + 1)..], (short)columns.Length);
        foreach (var column in columns)
        {
            at += BackendWriter.WriteInt16(span[at..], (short)column);
        }

        BackendWriter.End(writer, body);
    }
}
