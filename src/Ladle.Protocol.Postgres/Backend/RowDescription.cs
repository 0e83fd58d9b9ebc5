using System.Buffers;

namespace Ladle.Protocol.Postgres.Backend;

/// <summary>RowDescription ('T'): the columns of the rows that follow.</summary>
public static class RowDescription
{
    private const int FixedPerField = 4 + 2 + 4 + 2 + 4 + 2;

    /// <summary>Writes the message for <paramref name="fields"/>.</summary>
    public static void Write(IBufferWriter<byte> writer, ReadOnlySpan<FieldDescription> fields)
    {
        if (fields.Length > short.MaxValue)
        {
            throw new ArgumentException($"A row has at most {short.MaxValue} columns; got {fields.Length}.", nameof(fields));
        }

        var body = 2;
        foreach (var field in fields)
        {
            body += BackendWriter.CStringLength(field.Name) + FixedPerField;
        }

        var span = BackendWriter.Begin(writer, BackendMessageType.RowDescription, body);
        var at = BackendWriter.HeaderSize + BackendWriter.WriteInt16(span[BackendWriter.HeaderSize..], (short)fields.Length);
        foreach (var field in fields)
        {
            at += BackendWriter.WriteCString(span[at..], field.Name);
            at += BackendWriter.WriteInt32(span[at..], (int)field.TableOid);
            at += BackendWriter.WriteInt16(span[at..], field.ColumnAttributeNumber);
            at += BackendWriter.WriteInt32(span[at..], (int)field.TypeOid);
            at += BackendWriter.WriteInt16(span[at..], field.TypeSize);
            at += BackendWriter.WriteInt32(span[at..], field.TypeModifier);
            at += BackendWriter.WriteInt16(span[at..], (short)field.Format);
        }

        BackendWriter.End(writer, body);
    }
}
