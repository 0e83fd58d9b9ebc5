using System.Globalization;
using System.Text.Json;
using Ladle.Core.Model;
using Ladle.Core.Model.Streams;

namespace Ladle.Streams.Ingest;

/// <summary>
/// Reads an ingest body (NDJSON, or one JSON array of objects) into typed events, checked against the stream's
/// declared columns. A bad event is an <see cref="EventError"/> with its line and reason, never its values.
/// </summary>
internal sealed class EventParser(StreamDefinition stream)
{
    /// <summary>Reasons kept per batch; the count of bad events is always exact.</summary>
    public const int MaxReasons = 100;

    private readonly Dictionary<string, int> _columns = stream.Columns.Select((c, i) => (c.Name, i)).ToDictionary(x => x.Name, x => x.i, StringComparer.OrdinalIgnoreCase);
    private readonly int _eventTime = stream.Columns.ToList().FindIndex(c => string.Equals(c.Name, stream.EventTime, StringComparison.OrdinalIgnoreCase));
    private readonly HashSet<int> _required = stream.Keys.Select(k => stream.Columns.ToList().FindIndex(c => string.Equals(c.Name, k, StringComparison.OrdinalIgnoreCase)))
        .Append(stream.Columns.ToList().FindIndex(c => string.Equals(c.Name, stream.EventTime, StringComparison.OrdinalIgnoreCase))).ToHashSet();

    public StreamDefinition Stream { get; } = stream;

    /// <summary>Parses a whole body; <paramref name="errors"/> gets every bad event (count) and reasons up to <see cref="MaxReasons"/>.</summary>
    public List<StreamEvent> Parse(ReadOnlyMemory<byte> body, List<EventError> errors, out long rejected)
    {
        var events = new List<StreamEvent>();
        rejected = 0;
        var span = body.Span;
        var first = 0;
        while (first < span.Length && span[first] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') first++;
        if (first < span.Length && span[first] == (byte)'[') ParseArray(body, events, errors, ref rejected);
        else ParseLines(body, events, errors, ref rejected);
        return events;
    }

    private void ParseLines(ReadOnlyMemory<byte> body, List<StreamEvent> events, List<EventError> errors, ref long rejected)
    {
        var line = 0L;
        var start = 0;
        var span = body.Span;
        while (start <= span.Length)
        {
            line++;
            var end = span[start..].IndexOf((byte)'\n');
            var length = end < 0 ? span.Length - start : end;
            var text = body.Slice(start, length);
            start += length + 1;
            if (IsBlank(text.Span)) { if (end < 0) break; continue; }
            var result = ParseOne(text, line, out var reason);
            if (result is not null) events.Add(result);
            else Refuse(errors, ref rejected, line, reason!);
            if (end < 0) break;
        }
    }

    private void ParseArray(ReadOnlyMemory<byte> body, List<StreamEvent> events, List<EventError> errors, ref long rejected)
    {
        var reader = new Utf8JsonReader(body.Span, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            reader.Read(); // [
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndArray) return;
                var startIndex = (int)reader.TokenStartIndex;
                var line = LineAt(body.Span, startIndex);
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    Refuse(errors, ref rejected, line, "an event must be a JSON object of column names to values");
                    continue;
                }
                reader.Skip();
                var raw = body[startIndex..(int)reader.BytesConsumed];
                var result = ParseOne(raw, line, out var reason);
                if (result is not null) events.Add(result);
                else Refuse(errors, ref rejected, line, reason!);
            }
            Refuse(errors, ref rejected, LineAt(body.Span, body.Length), "the JSON array is not closed with ']'");
        }
        catch (JsonException)
        {
            // Nothing after a malformed token can be read: the rest of the body is one bad event.
            Refuse(errors, ref rejected, LineAt(body.Span, (int)Math.Min(reader.BytesConsumed, body.Length)), "the body is not valid JSON from here on; send one JSON object per line (NDJSON) or a JSON array of objects");
        }
    }

    private static long LineAt(ReadOnlySpan<byte> body, int offset) => body[..Math.Min(offset, body.Length)].Count((byte)'\n') + 1;

    private static bool IsBlank(ReadOnlySpan<byte> text)
    {
        foreach (var b in text) if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r')) return false;
        return true;
    }

    private static void Refuse(List<EventError> errors, ref long rejected, long line, string reason)
    {
        rejected++;
        if (errors.Count < MaxReasons) errors.Add(new EventError(line, reason));
    }

    /// <summary>One event's JSON object, or null with the reason (which names columns, never values).</summary>
    public StreamEvent? ParseOne(ReadOnlyMemory<byte> raw, long line, out string? reason)
    {
        reason = null;
        JsonDocument document;
        try { document = JsonDocument.Parse(raw); }
        catch (JsonException) { reason = "not valid JSON; send one JSON object per line"; return null; }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object) { reason = "an event must be a JSON object of column names to values"; return null; }
            var values = new object?[Stream.Columns.Count];
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!_columns.TryGetValue(property.Name, out var index))
                {
                    reason = $"'{Truncate(property.Name)}' is not a column of stream '{Stream.Name}' (columns: {string.Join(", ", Stream.Columns.Select(c => c.Name))})";
                    return null;
                }
                var column = Stream.Columns[index];
                if (property.Value.ValueKind == JsonValueKind.Null) continue;
                if (!TryConvert(property.Value, column.Type, out var value))
                {
                    reason = $"column '{column.Name}' is not {Article(column.Type)} ({Expected(column.Type)})";
                    return null;
                }
                values[index] = value;
            }
            foreach (var index in _required.Where(i => values[i] is null))
            {
                reason = $"column '{Stream.Columns[index].Name}' is missing or null; it is the stream's {(index == _eventTime ? "event time" : "key")}";
                return null;
            }
            return new StreamEvent(line, values, ((DateTime)values[_eventTime]!).Ticks, raw);
        }
    }

    private static string Truncate(string name) => name.Length <= 64 ? name : name[..64] + "…";

    private static string Article(LadleType type) => type is LadleType.Integer ? "an integer" : "a " + type.Name();

    private static string Expected(LadleType type) => type switch
    {
        LadleType.String => "a JSON string",
        LadleType.Integer => "a whole JSON number",
        LadleType.Double or LadleType.Decimal => "a JSON number",
        LadleType.Boolean => "true or false",
        LadleType.Date => "a string yyyy-MM-dd",
        LadleType.Timestamp => "an ISO 8601 string such as 2026-01-31T12:00:00Z, or milliseconds since 1970 as a number",
        _ => type.Name(),
    };

    private static bool TryConvert(JsonElement element, LadleType type, out object? value)
    {
        value = null;
        switch (type)
        {
            case LadleType.String when element.ValueKind == JsonValueKind.String:
                value = element.GetString();
                return true;
            case LadleType.Integer when element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out var l):
                value = l;
                return true;
            case LadleType.Double when element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out var d) && double.IsFinite(d):
                value = d;
                return true;
            case LadleType.Decimal when element.ValueKind == JsonValueKind.Number && element.TryGetDecimal(out var m):
                value = m;
                return true;
            case LadleType.Boolean when element.ValueKind is JsonValueKind.True or JsonValueKind.False:
                value = element.GetBoolean();
                return true;
            case LadleType.Date when element.ValueKind == JsonValueKind.String
                && DateOnly.TryParseExact(element.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date):
                value = date;
                return true;
            case LadleType.Timestamp when element.ValueKind == JsonValueKind.String
                && DateTimeOffset.TryParse(element.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at):
                value = at.UtcDateTime;
                return true;
            case LadleType.Timestamp when element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out var ms) && ms is > -62_135_596_800_000 and < 253_402_300_799_999:
                value = DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime;
                return true;
            default:
                return false;
        }
    }
}
