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
    private readonly byte[][] _names = stream.Columns.Select(c => System.Text.Encoding.UTF8.GetBytes(c.Name)).ToArray();
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

    /// <summary>
    /// One event's JSON object, or null with the reason (which names columns, never values). Read straight from its UTF-8
    /// bytes with a <see cref="Utf8JsonReader"/> (no document, no string per property name); the whole object is read
    /// even after a bad column, so a line that is not JSON at all says so first.
    /// </summary>
    public StreamEvent? ParseOne(ReadOnlyMemory<byte> raw, long line, out string? reason)
    {
        reason = null;
        var values = new object?[Stream.Columns.Count];
        var reader = new Utf8JsonReader(raw.Span, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            if (!reader.Read()) { reason = "not valid JSON; send one JSON object per line"; return null; }
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                while (reader.Read()) { }
                reason = "an event must be a JSON object of column names to values";
                return null;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var index = ColumnOf(ref reader);
                if (index < 0 && reason is null)
                    reason = $"'{Truncate(reader.GetString()!)}' is not a column of stream '{Stream.Name}' (columns: {string.Join(", ", Stream.Columns.Select(c => c.Name))})";
                reader.Read();
                if (index < 0 || reason is not null || reader.TokenType == JsonTokenType.Null) { reader.Skip(); continue; }
                var column = Stream.Columns[index];
                if (TryConvert(ref reader, column.Type, out var value)) values[index] = value;
                else
                {
                    reason = $"column '{column.Name}' is not {Article(column.Type)} ({Expected(column.Type)})";
                    reader.Skip();
                }
            }
            // Anything after the object (a second value, a stray character) is not valid JSON: the reader says so.
            while (reader.Read()) { }
        }
        catch (JsonException)
        {
            reason = "not valid JSON; send one JSON object per line";
            return null;
        }
        if (reason is not null) return null;
        foreach (var index in _required)
        {
            if (values[index] is not null) continue;
            reason = $"column '{Stream.Columns[index].Name}' is missing or null; it is the stream's {(index == _eventTime ? "event time" : "key")}";
            return null;
        }
        return new StreamEvent(line, values, ((DateTime)values[_eventTime]!).Ticks, raw);
    }

    /// <summary>The column a property names: its exact UTF-8 name first, then any spelling of it (names are case-insensitive).</summary>
    private int ColumnOf(ref Utf8JsonReader reader)
    {
        for (var i = 0; i < _names.Length; i++)
            if (reader.ValueTextEquals(_names[i])) return i;
        return _columns.TryGetValue(reader.GetString()!, out var index) ? index : -1;
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

    private static bool TryConvert(ref Utf8JsonReader reader, LadleType type, out object? value)
    {
        value = null;
        var token = reader.TokenType;
        switch (type)
        {
            case LadleType.String when token == JsonTokenType.String:
                value = reader.GetString();
                return true;
            case LadleType.Integer when token == JsonTokenType.Number && reader.TryGetInt64(out var l):
                value = l;
                return true;
            case LadleType.Double when token == JsonTokenType.Number && reader.TryGetDouble(out var d) && double.IsFinite(d):
                value = d;
                return true;
            case LadleType.Decimal when token == JsonTokenType.Number && reader.TryGetDecimal(out var m):
                value = m;
                return true;
            case LadleType.Boolean when token is JsonTokenType.True or JsonTokenType.False:
                value = reader.GetBoolean();
                return true;
            case LadleType.Date when token == JsonTokenType.String
                && DateOnly.TryParseExact(reader.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date):
                value = date;
                return true;
            case LadleType.Timestamp when token == JsonTokenType.String:
                // ISO 8601 with a Z is read from the bytes; any other spelling (an offset, no zone: UTC) as text, as always.
                if (!reader.ValueIsEscaped && reader.ValueSpan is [.., (byte)'Z' or (byte)'z'] && reader.TryGetDateTimeOffset(out var zoned))
                {
                    value = zoned.UtcDateTime;
                    return true;
                }
                if (!DateTimeOffset.TryParse(reader.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
                    return false;
                value = at.UtcDateTime;
                return true;
            case LadleType.Timestamp when token == JsonTokenType.Number && reader.TryGetInt64(out var ms) && ms is > -62_135_596_800_000 and < 253_402_300_799_999:
                value = DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime;
                return true;
            default:
                return false;
        }
    }
}
