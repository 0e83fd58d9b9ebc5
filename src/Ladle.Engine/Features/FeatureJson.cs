using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Ladle.Engine.Features;

/// <summary>
/// Feature values as an online lookup answers them in JSON, one spelling for every path. A row of the embedded online
/// store is encoded once, the first time a lookup answers from it, and its bytes are copied into every later answer:
/// a lookup of 100 entities × 50 features writes 5,000 values without formatting one number.
/// </summary>
public static class FeatureJson
{
    /// <summary>A row's values, then its event time, each as one JSON value (UTF-8), end to end.</summary>
    public sealed class EncodedRow(byte[] bytes, int[] ends)
    {
        /// <summary>Value <paramref name="index"/> of the row as JSON (the row's event time at index Values.Length).</summary>
        public ReadOnlySpan<byte> this[int index] => bytes.AsSpan(index == 0 ? 0 : ends[index - 1], ends[index] - (index == 0 ? 0 : ends[index - 1]));
    }

    private static readonly ConditionalWeakTable<OnlineRow, EncodedRow> Cache = new();

    /// <summary>The row encoded, kept as long as the row is (rows of the embedded store live until their version is replaced).</summary>
    public static EncodedRow Cached(OnlineRow row) => Cache.GetValue(row, Encode);

    /// <summary>The row encoded now (rows read from a shared store are new objects on every read).</summary>
    public static EncodedRow Encode(OnlineRow row)
    {
        var buffer = new ArrayBufferWriter<byte>(16 + row.Values.Length * 16);
        var ends = new int[row.Values.Length + 1];
        using var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        for (var i = 0; i <= row.Values.Length; i++)
        {
            json.Reset(buffer);
            if (i < row.Values.Length) WriteValue(json, row.Values[i]);
            else json.WriteStringValue(DateTime.SpecifyKind(row.Event, DateTimeKind.Utc));
            json.Flush();
            ends[i] = buffer.WrittenCount;
        }
        return new EncodedRow(buffer.WrittenSpan.ToArray(), ends);
    }

    /// <summary>A feature value as JSON: numbers as numbers (non-finite ones as text), times as ISO 8601 UTC, dates as yyyy-MM-dd.</summary>
    public static void WriteValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null: json.WriteNullValue(); break;
            case string s: json.WriteStringValue(s); break;
            case bool b: json.WriteBooleanValue(b); break;
            case long l: json.WriteNumberValue(l); break;
            case int i: json.WriteNumberValue(i); break;
            case double d when double.IsFinite(d): json.WriteNumberValue(d); break;
            case double d: json.WriteStringValue(d.ToString(CultureInfo.InvariantCulture)); break;
            case float f when float.IsFinite(f): json.WriteNumberValue(f); break;
            case decimal m: json.WriteNumberValue(m); break;
            case DateTime t: json.WriteStringValue(DateTime.SpecifyKind(t, DateTimeKind.Utc)); break;
            case DateTimeOffset t: json.WriteStringValue(t.ToUniversalTime()); break;
            case DateOnly d: json.WriteStringValue(d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)); break;
            case IFormattable other: json.WriteStringValue(other.ToString(null, CultureInfo.InvariantCulture)); break;
            default: json.WriteStringValue(value.ToString()); break;
        }
    }
}
