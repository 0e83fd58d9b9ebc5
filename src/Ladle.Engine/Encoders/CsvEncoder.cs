using System.Buffers;
using System.Globalization;
using Ladle.Core.Model;
using Ladle.Engine.Encoders.Internal;
using Ladle.Engine.Results;

namespace Ladle.Engine.Encoders;

/// <summary>
/// RFC 4180 CSV in UTF-8 with a header row and CRLF line ends. Values are written in the invariant culture:
/// NULL is an empty field and the empty string is <c>""</c>, so the two stay apart; booleans are
/// <c>true</c>/<c>false</c>; doubles are the shortest text that reads back to the same value (<c>NaN</c>,
/// <c>Infinity</c>, <c>-Infinity</c> as .NET and DuckDB read them); decimals are exact; dates are
/// <c>yyyy-MM-dd</c>; timestamps are UTC instants as <c>yyyy-MM-dd HH:mm:ss[.ffffff]Z</c>, a form DuckDB writes and reads.
/// Text is never altered: a value starting with <c>=</c> is written as is, not defused for spreadsheets.
/// </summary>
public sealed class CsvEncoder : IResultEncoder, INativeFormat
{
    // Widest non-text field: a decimal is 29 digits, a sign and a point; a double's shortest form is 24 bytes.
    private const int MaxScalarLength = 40;

    private static readonly SearchValues<char> NeedsQuoting = SearchValues.Create(",\"\r\n");
    private static readonly NumberFormatInfo Invariant = NumberFormatInfo.InvariantInfo;

    public string Format => "csv";
    public string ContentType => "text/csv; charset=utf-8";
    public string FileExtension => "csv";

    /// <summary>DuckDB's writer makes the same file: header, CRLF, quotes only where needed, "" for an empty string, nothing for NULL.</summary>
    public string DuckDbCopyOptions => "FORMAT csv, HEADER, NEW_LINE '\\r\\n'";

    /// <summary>The same text as the managed writer: DuckDB's form of the UTC time, then Z.</summary>
    public string DuckDbTimestamp(string column) => $"CAST(make_timestamp(epoch_us({column})) AS VARCHAR) || 'Z'";

    public async Task WriteAsync(ResultStream result, Stream output, EncodeContext context, CancellationToken cancellationToken)
    {
        using var buffer = new OutputBuffer(output);
        WriteHeader(buffer, result.Schema);
        while (await result.ReadAsync(cancellationToken).ConfigureAwait(false) is { } batch)
        {
            var row = 0;
            while (row < batch.Count)
            {
                row = WriteRows(buffer, batch, row);
                await buffer.FlushIfFullAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        await buffer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void WriteHeader(OutputBuffer buffer, ResultSchema schema)
    {
        for (var c = 0; c < schema.Columns.Count; c++)
        {
            if (c > 0) buffer.WriteByte((byte)',');
            WriteText(buffer, schema.Columns[c].Name);
        }
        buffer.Write("\r\n"u8);
    }

    /// <summary>Writes rows from <paramref name="start"/> until the batch ends or the buffer wants draining; returns the next row.</summary>
    private static int WriteRows(OutputBuffer buffer, ColumnBatch batch, int start)
    {
        var columns = batch.Columns;
        var row = start;
        while (row < batch.Count && !buffer.IsFull)
        {
            for (var c = 0; c < columns.Length; c++)
            {
                if (c > 0) buffer.WriteByte((byte)',');
                var column = columns[c];
                if (column.Nulls[row]) continue;
                if (column.Type == LadleType.String) WriteText(buffer, column.Strings[row]);
                else buffer.Advance(FormatScalar(buffer.GetSpan(MaxScalarLength), column, row));
            }
            buffer.Write("\r\n"u8);
            row++;
        }
        return row;
    }

    private static int FormatScalar(Span<byte> destination, ColumnVector column, int row)
    {
        int written;
        switch (column.Type)
        {
            case LadleType.Integer:
                column.Int64s[row].TryFormat(destination, out written, default, Invariant);
                return written;
            case LadleType.Double:
                return DoubleText.Format(column.Doubles[row], destination);
            case LadleType.Decimal:
                column.Decimals[row].TryFormat(destination, out written, default, Invariant);
                return written;
            case LadleType.Boolean:
                var literal = column.Booleans[row] ? "true"u8 : "false"u8;
                literal.CopyTo(destination);
                return literal.Length;
            case LadleType.Date:
                return Iso8601.WriteDate(destination, column.Dates[row]);
            case LadleType.Timestamp:
                return Iso8601.WriteTimestamp(destination, column.Timestamps[row], (byte)' ', utcSuffix: true);
            default:
                throw new InvalidOperationException($"type {column.Type} has no CSV form");
        }
    }

    /// <summary>Text as UTF-8, quoted when it holds a comma, quote, CR or LF, with quotes doubled inside.</summary>
    private static void WriteText(OutputBuffer buffer, string? text)
    {
        if (text is null) return;
        if (text.Length == 0)
        {
            buffer.Write("\"\""u8);
            return;
        }
        var rest = text.AsSpan();
        if (rest.IndexOfAny(NeedsQuoting) < 0)
        {
            WriteUtf8(buffer, rest);
            return;
        }
        buffer.WriteByte((byte)'"');
        while (true)
        {
            var quote = rest.IndexOf('"');
            if (quote < 0)
            {
                WriteUtf8(buffer, rest);
                break;
            }
            // Up to and including the quote, then the quote again.
            WriteUtf8(buffer, rest[..(quote + 1)]);
            buffer.WriteByte((byte)'"');
            rest = rest[(quote + 1)..];
        }
        buffer.WriteByte((byte)'"');
    }

    private static void WriteUtf8(OutputBuffer buffer, ReadOnlySpan<char> text)
    {
        var destination = buffer.GetSpan(System.Text.Encoding.UTF8.GetMaxByteCount(text.Length));
        buffer.Advance(System.Text.Encoding.UTF8.GetBytes(text, destination));
    }
}
