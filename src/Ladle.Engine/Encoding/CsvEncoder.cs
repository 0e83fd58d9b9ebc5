using Ladle.Core.Model;
using Ladle.Engine.Results;

namespace Ladle.Engine.Encoding;

/// <summary>
/// CSV with a header row and LF line ends (as DuckDB writes it, so both paths give the same file): fields with a comma, quote, CR or LF are quoted (quotes doubled); NULL is an
/// empty field; dates yyyy-MM-dd, timestamps yyyy-MM-dd HH:mm:ss[.fffffff] (UTC); numbers in invariant culture.
/// </summary>
public sealed class CsvEncoder : IResultEncoder, INativeFormat
{
    public string Format => "csv";
    public string ContentType => "text/csv; charset=utf-8";
    public string FileExtension => "csv";

    /// <summary>DuckDB's writer makes the same CSV: header, quotes only where needed, LF line ends.</summary>
    public string DuckDbCopyOptions => "FORMAT csv, HEADER, DELIMITER ',', QUOTE '\"', ESCAPE '\"', NULL '', DATEFORMAT '%Y-%m-%d', TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S.%f'";

    public async Task WriteAsync(ResultStream result, Stream output, EncodeContext context, CancellationToken cancellationToken)
    {
        using var buffer = new OutputBuffer(output);
        var columns = result.Schema.Columns;
        for (var c = 0; c < columns.Count; c++)
        {
            if (c > 0) buffer.WriteByte((byte)',');
            WriteText(buffer, columns[c].Name);
        }
        buffer.WriteByte((byte)'\n');
        while (await result.ReadAsync(cancellationToken) is { } batch)
        {
            for (var r = 0; r < batch.Count; r++)
            {
                for (var c = 0; c < batch.Columns.Length; c++)
                {
                    if (c > 0) buffer.WriteByte((byte)',');
                    WriteValue(buffer, batch.Columns[c], r);
                }
                buffer.WriteByte((byte)'\n');
                if (buffer.ShouldFlush) await buffer.FlushAsync(cancellationToken);
            }
        }
        await buffer.FlushAsync(cancellationToken);
    }

    private static void WriteValue(OutputBuffer buffer, ColumnVector v, int r)
    {
        if (v.Nulls[r]) return;
        switch (v.Type)
        {
            case LadleType.Integer: buffer.WriteFormatted(v.Int64s[r]); break;
            case LadleType.Double: buffer.WriteFormatted(v.Doubles[r], "R"); break;
            case LadleType.Decimal: buffer.WriteFormatted(v.Decimals[r]); break;
            case LadleType.Boolean: buffer.Write(v.Booleans[r] ? "true"u8 : "false"u8); break;
            case LadleType.Date: buffer.WriteFormatted(v.Dates[r], "yyyy-MM-dd"); break;
            case LadleType.Timestamp: buffer.WriteFormatted(v.Timestamps[r], "yyyy-MM-dd HH:mm:ss.FFFFFFF"); break;
            default: WriteText(buffer, v.Strings[r]!); break;
        }
    }

    private static void WriteText(OutputBuffer buffer, string text)
    {
        if (text.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            buffer.WriteString(text);
            return;
        }
        buffer.WriteByte((byte)'"');
        buffer.WriteString(text.Replace("\"", "\"\"", StringComparison.Ordinal));
        buffer.WriteByte((byte)'"');
    }
}
