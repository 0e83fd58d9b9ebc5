using System.Globalization;
using Ladle.Core.Errors;
using Ladle.Core.Loading;
using Ladle.Core.Model;

namespace Ladle.Core.Queries;

/// <summary>
/// Turns the rows API's query parameters into a typed <see cref="RowsQuery"/>, checking every column
/// against the dataset's schema and every value against its column's type.
/// </summary>
public static class RowsRequestParser
{
    /// <summary>The operators as users write them, for error messages.</summary>
    public const string Operators = "eq, ne, lt, le, gt, ge, in, between, like, isnull, notnull";

    public static RowsQuery Parse(
        string dataset, DatasetSchema schema, string? columns, IEnumerable<string> filters, string? order,
        string? limit, string? cursor, long? maxLimit = null)
    {
        var projection = ParseColumns(dataset, schema, columns);
        var parsedFilters = filters.Select(f => ParseFilter(dataset, schema, f)).ToList();
        var parsedOrder = ParseOrder(dataset, schema, order);
        long? parsedLimit = null;
        if (!string.IsNullOrWhiteSpace(limit))
        {
            if (!long.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var l) || l < 0)
                throw new InvalidRequestException($"limit must be a whole number of 0 or more, not '{limit}'", "limit");
            if (maxLimit is { } max && l > max)
                throw new InvalidRequestException($"limit {l} is above the largest page of {max} rows; page with the cursor, or export as csv, ndjson or parquet", "limit");
            parsedLimit = l;
        }
        var query = new RowsQuery
        {
            Dataset = dataset, Columns = projection, Filters = parsedFilters, Order = parsedOrder, Limit = parsedLimit,
        };
        if (!string.IsNullOrWhiteSpace(cursor))
        {
            var c = Cursor.Decode(cursor);
            if (c.QueryHash != Cursor.Hash(query))
                throw new InvalidRequestException("the cursor was issued for a different query (columns, filters or order changed); start again without a cursor", "cursor");
            query = query with { Offset = c.Offset, PinnedVersion = c.Version, PinnedPublishedAt = c.PublishedAt };
        }
        return query;
    }

    public static IReadOnlyList<string> ParseColumns(string dataset, DatasetSchema schema, string? columns)
    {
        if (string.IsNullOrWhiteSpace(columns)) return [];
        var result = new List<string>();
        foreach (var raw in columns.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var column = RequireColumn(dataset, schema, raw, "columns");
            if (!result.Contains(column.Name)) result.Add(column.Name);
        }
        return result;
    }

    public static IReadOnlyList<SortKey> ParseOrder(string dataset, DatasetSchema schema, string? order)
    {
        if (string.IsNullOrWhiteSpace(order)) return [];
        var result = new List<SortKey>();
        foreach (var part in order.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var pieces = part.Split(':');
            var column = RequireColumn(dataset, schema, pieces[0], "order");
            var descending = pieces.Length switch
            {
                1 => false,
                2 when pieces[1].Equals("asc", StringComparison.OrdinalIgnoreCase) => false,
                2 when pieces[1].Equals("desc", StringComparison.OrdinalIgnoreCase) => true,
                _ => throw new InvalidRequestException($"order '{part}' is not column:asc or column:desc", "order"),
            };
            result.Add(new SortKey(column.Name, descending));
        }
        return result;
    }

    public static Filter ParseFilter(string dataset, DatasetSchema schema, string text)
    {
        var parts = text.Split(':', 3);
        if (parts.Length < 2)
            throw new InvalidRequestException($"filter '{text}' is not column:operator:value (operators: {Operators})", "filter");
        var column = RequireColumn(dataset, schema, parts[0].Trim(), "filter");
        var opText = parts[1].Trim();
        if (!Enum.TryParse<FilterOperator>(opText, ignoreCase: true, out var op) || int.TryParse(opText, out _))
            throw new InvalidRequestException($"filter '{text}': unknown operator '{opText}' (operators: {Operators})", "filter");
        var value = parts.Length == 3 ? parts[2] : null;
        switch (op)
        {
            case FilterOperator.IsNull or FilterOperator.NotNull:
                if (!string.IsNullOrEmpty(value))
                    throw new InvalidRequestException($"filter '{text}': {opText} takes no value", "filter");
                return new Filter(column.Name, op, []);
            case FilterOperator.In:
                var items = SplitList(Require(text, opText, value));
                if (items.Count is 0 or > 1000)
                    throw new InvalidRequestException($"filter '{text}': in takes 1 to 1000 comma-separated values", "filter");
                return new Filter(column.Name, op, items.Select(v => Convert(text, column, v)).ToList());
            case FilterOperator.Between:
                var bounds = SplitList(Require(text, opText, value));
                if (bounds.Count != 2)
                    throw new InvalidRequestException($"filter '{text}': between takes two comma-separated values, low,high", "filter");
                RequireOrdered(text, column, opText);
                return new Filter(column.Name, op, bounds.Select(v => Convert(text, column, v)).ToList());
            case FilterOperator.Like:
                if (column.Type != LadleType.String)
                    throw new InvalidRequestException($"filter '{text}': like applies to string columns, and '{column.Name}' is {column.Type.Name()}", "filter");
                return new Filter(column.Name, op, [Require(text, opText, value)]);
            case FilterOperator.Lt or FilterOperator.Le or FilterOperator.Gt or FilterOperator.Ge:
                RequireOrdered(text, column, opText);
                return new Filter(column.Name, op, [Convert(text, column, Require(text, opText, value))]);
            default:
                return new Filter(column.Name, op, [Convert(text, column, Require(text, opText, value))]);
        }
    }

    private static void RequireOrdered(string text, SchemaColumn column, string op)
    {
        if (!column.Type.IsOrdered())
            throw new InvalidRequestException($"filter '{text}': {op} does not apply to {column.Type.Name()} column '{column.Name}'; use eq or ne", "filter");
    }

    private static string Require(string text, string op, string? value) =>
        value ?? throw new InvalidRequestException($"filter '{text}': {op} needs a value, as column:{op}:value", "filter");

    /// <summary>Splits on commas; a backslash escapes a comma or a backslash inside a value.</summary>
    private static List<string> SplitList(string value)
    {
        var items = new List<string>();
        var current = new System.Text.StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\\' && i + 1 < value.Length) { current.Append(value[++i]); continue; }
            if (c == ',') { items.Add(current.ToString()); current.Clear(); continue; }
            current.Append(c);
        }
        items.Add(current.ToString());
        return items;
    }

    /// <summary>Converts a text value to the column's type, or says what form was expected.</summary>
    public static object Convert(string text, SchemaColumn column, string value)
    {
        var v = value.Trim();
        object? result = column.Type switch
        {
            LadleType.String => value,
            LadleType.Integer => long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l : null,
            LadleType.Double => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? d : null,
            LadleType.Decimal => decimal.TryParse(v, NumberStyles.Number, CultureInfo.InvariantCulture, out var m) ? m : null,
            LadleType.Boolean => v.ToLowerInvariant() switch { "true" or "1" => true, "false" or "0" => false, _ => null },
            LadleType.Date => DateOnly.TryParseExact(v, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null,
            LadleType.Timestamp => DateTime.TryParse(v, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var ts)
                ? DateTime.SpecifyKind(ts, DateTimeKind.Unspecified) : null,
            _ => null,
        };
        return result ?? throw new InvalidRequestException(
            $"filter '{text}': '{value}' is not a valid {column.Type.Name()} for column '{column.Name}' ({Expected(column.Type)})", "filter");
    }

    private static string Expected(LadleType type) => type switch
    {
        LadleType.Integer => "expected a whole number such as 42",
        LadleType.Double or LadleType.Decimal => "expected a number such as 12.5",
        LadleType.Boolean => "expected true or false",
        LadleType.Date => "expected a date as yyyy-MM-dd",
        LadleType.Timestamp => "expected an ISO 8601 timestamp such as 2026-03-01T12:00:00Z",
        _ => "expected text",
    };

    private static SchemaColumn RequireColumn(string dataset, DatasetSchema schema, string name, string parameter) =>
        schema.Find(name) ?? throw new InvalidRequestException(
            $"dataset '{dataset}' has no column '{name}' ({Suggest.Hint(name, schema.Names.ToList())})", parameter);
}
