using System.Text.Encodings.Web;
using System.Text.Json;
using Ladle.Core.Model;
using Ladle.Engine.Results;

namespace Ladle.Engine.Encoders.Internal;

/// <summary>Writes result rows as JSON objects, shared by the json and ndjson formats so both say the same thing.</summary>
internal static class JsonRows
{
    /// <summary>
    /// Non-ASCII text stays readable UTF-8 rather than <c>\uXXXX</c>: the body is served as JSON, never inlined
    /// into HTML, and the relaxed encoder still escapes quotes, backslashes and control characters.
    /// </summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Column names escaped once, not once per row.</summary>
    public static JsonEncodedText[] EncodeNames(ResultSchema schema)
    {
        var names = new JsonEncodedText[schema.Columns.Count];
        for (var c = 0; c < names.Length; c++) names[c] = JsonEncodedText.Encode(schema.Columns[c].Name, WriterOptions.Encoder);
        return names;
    }

    /// <summary>
    /// One row as an object. Doubles that JSON cannot hold (NaN, infinities) become null; decimals are exact;
    /// dates are <c>yyyy-MM-dd</c>; timestamps ISO 8601 in UTC with <c>Z</c>.
    /// </summary>
    public static void WriteRow(Utf8JsonWriter writer, ColumnVector[] columns, int row, JsonEncodedText[] names)
    {
        Span<byte> scratch = stackalloc byte[Iso8601.MaxTimestampLength];
        writer.WriteStartObject();
        for (var c = 0; c < columns.Length; c++)
        {
            var column = columns[c];
            var name = names[c];
            if (column.Nulls[row])
            {
                writer.WriteNull(name);
                continue;
            }
            switch (column.Type)
            {
                case LadleType.String:
                    writer.WriteString(name, column.Strings[row]);
                    break;
                case LadleType.Integer:
                    writer.WriteNumber(name, column.Int64s[row]);
                    break;
                case LadleType.Double:
                    WriteDouble(writer, name, column.Doubles[row], scratch);
                    break;
                case LadleType.Decimal:
                    writer.WriteNumber(name, column.Decimals[row]);
                    break;
                case LadleType.Boolean:
                    writer.WriteBoolean(name, column.Booleans[row]);
                    break;
                case LadleType.Date:
                    writer.WriteString(name, scratch[..Iso8601.WriteDate(scratch, column.Dates[row])]);
                    break;
                case LadleType.Timestamp:
                    writer.WriteString(name, scratch[..Iso8601.WriteTimestamp(scratch, column.Timestamps[row], (byte)'T', utcSuffix: true)]);
                    break;
                default:
                    throw new InvalidOperationException($"column '{name}' has type {column.Type}, which the JSON encoder does not know");
            }
        }
        writer.WriteEndObject();
    }

    private static void WriteDouble(Utf8JsonWriter writer, JsonEncodedText name, double value, Span<byte> scratch)
    {
        if (!double.IsFinite(value))
        {
            writer.WriteNull(name);
        }
        else if (DoubleText.NeedsAllDigits(value))
        {
            writer.WritePropertyName(name);
            writer.WriteRawValue(scratch[..DoubleText.Format(value, scratch)]);
        }
        else
        {
            writer.WriteNumber(name, value);
        }
    }
}
