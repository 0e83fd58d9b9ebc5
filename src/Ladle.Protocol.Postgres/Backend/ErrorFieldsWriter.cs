using System.Buffers;
using System.Globalization;

namespace Ladle.Protocol.Postgres.Backend;

/// <summary>The body shared by ErrorResponse and NoticeResponse: (field code, string) pairs, then a zero byte.</summary>
internal static class ErrorFieldsWriter
{
    private const byte SeverityLocalized = (byte)'S';
    private const byte SeverityCode = (byte)'V';
    private const byte Code = (byte)'C';
    private const byte Message = (byte)'M';
    private const byte Detail = (byte)'D';
    private const byte Hint = (byte)'H';
    private const byte Position = (byte)'P';

    public static void Write(IBufferWriter<byte> writer, BackendMessageType type, PgErrorFields fields)
    {
        if (fields.SqlState.Length != 5)
        {
            throw new ArgumentException($"A SQLSTATE has five characters; got '{fields.SqlState}'.", nameof(fields));
        }

        var position = fields.Position?.ToString(CultureInfo.InvariantCulture);
        var body = 1
            + (2 * (1 + BackendWriter.CStringLength(fields.Severity)))
            + 1 + BackendWriter.CStringLength(fields.SqlState)
            + 1 + BackendWriter.CStringLength(fields.Message)
            + Optional(fields.Detail) + Optional(fields.Hint) + Optional(position);
        var span = BackendWriter.Begin(writer, type, body);
        var at = BackendWriter.HeaderSize;
        at += Field(span[at..], SeverityLocalized, fields.Severity);
        at += Field(span[at..], SeverityCode, fields.Severity);
        at += Field(span[at..], Code, fields.SqlState);
        at += Field(span[at..], Message, fields.Message);
        at += Field(span[at..], Detail, fields.Detail);
        at += Field(span[at..], Hint, fields.Hint);
        at += Field(span[at..], Position, position);
        span[at] = 0;
        BackendWriter.End(writer, body);
    }

    private static int Optional(string? value) => value is null ? 0 : 1 + BackendWriter.CStringLength(value);

    private static int Field(Span<byte> span, byte code, string? value)
    {
        if (value is null)
        {
            return 0;
        }

        span[0] = code;
        return 1 + BackendWriter.WriteCString(span[1..], value);
    }
}
