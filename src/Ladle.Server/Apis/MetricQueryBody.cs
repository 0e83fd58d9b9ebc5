using System.Globalization;
using System.Text.Json;
using Ladle.Core.Errors;
using Ladle.Core.Loading;
using Ladle.Core.Semantic.Queries;
using Microsoft.AspNetCore.Http;

namespace Ladle.Server.Apis;

/// <summary>
/// A metric query as JSON (POST) or as query parameters (GET): the same fields, read strictly so a misspelt
/// field is a 400 naming it rather than a silently different answer.
/// </summary>
internal static class MetricQueryBody
{
    private static readonly string[] BodyKeys = ["metrics", "dimensions", "time", "filters", "order", "limit", "fill", "format", "explain"];
    private static readonly string[] TimeKeys = ["dimension", "granularity", "range", "zone"];
    private static readonly string[] QueryKeys =
        ["metrics", "dimensions", "by", "time", "granularity", "grain", "range", "zone", "filter", "order", "limit", "fill", "format", "explain"];

    public sealed record Parsed(MetricQuery Query, string? Format, bool Explain);

    public static Parsed FromJson(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
            throw new InvalidRequestException("the body must be a JSON object such as {\"metrics\": [\"revenue\"], \"dimensions\": [\"region\"]}", "body");
        foreach (var property in body.EnumerateObject())
            if (!BodyKeys.Contains(property.Name, StringComparer.Ordinal))
                throw new InvalidRequestException($"unknown field '{property.Name}' ({Suggest.Hint(property.Name, BodyKeys)})", property.Name);
        string? timeDimension = null, granularity = null, range = null, zone = null;
        if (body.TryGetProperty("time", out var time) && time.ValueKind != JsonValueKind.Null)
        {
            if (time.ValueKind != JsonValueKind.Object)
                throw new InvalidRequestException("'time' must be an object: {\"dimension\": …, \"granularity\": \"month\", \"range\": \"last 12 months\", \"zone\": \"Europe/Berlin\"}", "time");
            foreach (var property in time.EnumerateObject())
                if (!TimeKeys.Contains(property.Name, StringComparer.Ordinal))
                    throw new InvalidRequestException($"unknown field 'time.{property.Name}' ({Suggest.Hint(property.Name, TimeKeys)})", "time");
            timeDimension = Text(time, "dimension", "time.dimension");
            granularity = Text(time, "granularity", "time.granularity");
            zone = Text(time, "zone", "time.zone");
            range = time.TryGetProperty("range", out var r) ? Range(r) : null;
        }
        var query = new MetricQuery
        {
            Metrics = List(body, "metrics"),
            Dimensions = List(body, "dimensions"),
            TimeDimension = timeDimension,
            Granularity = granularity,
            Range = range,
            Zone = zone,
            Filters = List(body, "filters"),
            Order = List(body, "order"),
            Limit = Text(body, "limit", "limit"),
            Fill = Text(body, "fill", "fill"),
        };
        var explain = body.TryGetProperty("explain", out var e) && e.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False or JsonValueKind.Null => false,
            _ => throw new InvalidRequestException("'explain' must be true or false", "explain"),
        };
        return new Parsed(query, Text(body, "format", "format"), explain);
    }

    public static Parsed FromQueryString(IQueryCollection q)
    {
        foreach (var key in q.Keys)
            if (!QueryKeys.Contains(key, StringComparer.Ordinal))
                throw new InvalidRequestException($"unknown parameter '{key}' ({Suggest.Hint(key, QueryKeys)})", key);
        var query = new MetricQuery
        {
            Metrics = Values(q, "metrics"),
            Dimensions = [.. Values(q, "dimensions"), .. Values(q, "by")],
            TimeDimension = q["time"].FirstOrDefault(),
            Granularity = q["granularity"].FirstOrDefault() ?? q["grain"].FirstOrDefault(),
            Range = q["range"].FirstOrDefault(),
            Zone = q["zone"].FirstOrDefault(),
            Filters = q["filter"].OfType<string>().ToList(),
            Order = Values(q, "order"),
            Limit = q["limit"].FirstOrDefault(),
            Fill = q["fill"].FirstOrDefault(),
        };
        var explain = false;
        if (q["explain"].FirstOrDefault() is { } explainText && explainText.Length > 0 && !bool.TryParse(explainText, out explain))
            throw new InvalidRequestException($"explain must be true or false, not '{explainText}'", "explain");
        if (q["explain"].FirstOrDefault() is "") explain = true;
        return new Parsed(query, q["format"].FirstOrDefault(), explain);
    }

    private static List<string> Values(IQueryCollection q, string key) =>
        q[key].OfType<string>().SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();

    private static List<string> List(JsonElement body, string key)
    {
        if (!body.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null) return [];
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList(),
            JsonValueKind.Array => value.EnumerateArray().Select(item => item.ValueKind == JsonValueKind.String
                ? item.GetString()!
                : throw new InvalidRequestException($"every item of '{key}' must be a string", key)).ToList(),
            _ => throw new InvalidRequestException($"'{key}' must be a list of strings", key),
        };
    }

    private static string? Text(JsonElement body, string key, string parameter)
    {
        if (!body.TryGetProperty(key, out var value)) return null;
        return value.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => throw new InvalidRequestException($"'{parameter}' must be a single value", parameter),
        };
    }

    /// <summary>A range as text ("last 30 days") or as {"from": …, "to": …}.</summary>
    private static string? Range(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Null: return null;
            case JsonValueKind.String: return value.GetString();
            case JsonValueKind.Object:
                var from = value.TryGetProperty("from", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
                var to = value.TryGetProperty("to", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                if (from is null && to is null)
                    throw new InvalidRequestException("'time.range' as an object needs 'from', 'to' or both (dates or date-times; 'to' is excluded)", "time.range");
                return string.Create(CultureInfo.InvariantCulture, $"{from}..{to}");
            default:
                throw new InvalidRequestException("'time.range' must be text such as \"last 12 months\" or {\"from\": \"2026-01-01\", \"to\": \"2026-04-01\"}", "time.range");
        }
    }
}
