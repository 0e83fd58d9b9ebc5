using System.Text.Json;
using Ladle.Core.Model;
using Ladle.Engine.Results;

namespace Ladle.Engine.Encoding;

/// <summary>Writes one row as a JSON object with property names encoded once per result.</summary>
internal sealed class JsonRowWriter(ResultSchema schema)
{
    private readonly JsonEncodedText[] _names = schema.Columns.Select(c => JsonEncodedText.Encode(c.Name)).ToArray();

    public void WriteRow(Utf8JsonWriter json, ColumnBatch batch, int r)
    {
        json.WriteStartObject();
        for (var c = 0; c < batch.Columns.Length; c++)
        {
            var v = batch.Columns[c];
            json.WritePropertyName(_names[c]);
            if (v.Nulls[r])
            {
                json.WriteNullValue();
                continue;
            }
            switch (v.Type)
            {
                case LadleType.Integer: json.WriteNumberValue(v.Int64s[r]); break;
                case LadleType.Double:
                    // JSON has no NaN or infinity.
                    if (double.IsFinite(v.Doubles[r])) json.WriteNumberValue(v.Doubles[r]);
                    else json.WriteNullValue();
                    break;
                case LadleType.Decimal: json.WriteNumberValue(v.Decimals[r]); break;
                case LadleType.Boolean: json.WriteBooleanValue(v.Booleans[r]); break;
                case LadleType.Date: WriteFormatted(json, v.Dates[r], "yyyy-MM-dd"); break;
                case LadleType.Timestamp: WriteFormatted(json, v.Timestamps[r], "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'"); break;
                default: json.WriteStringValue(v.Strings[r]); break;
            }
        }
        json.WriteEndObject();
    }

    private static void WriteFormatted<T>(Utf8JsonWriter json, T value, string format) where T : IUtf8SpanFormattable
    {
        Span<byte> text = stackalloc byte[40];
        value.TryFormat(text, out var written, format, System.Globalization.CultureInfo.InvariantCulture);
        json.WriteStringValue(text[..written]);
    }
}
