using Ladle.Core.Errors;

namespace Ladle.Core.Queries;

/// <summary>
/// Hard limits on what one request may ask of the engine, so no single request can keep a core busy for minutes:
/// filters and their values (rows and metrics alike), and periods a metric query lays out. Each is a clear 400.
/// </summary>
public static class RequestLimits
{
    /// <summary>Filters in one request.</summary>
    public const int MaxFilters = 100;

    /// <summary>Values across all filters of one request (an <c>in</c> list counts each of its values).</summary>
    public const int MaxFilterValues = 1000;

    /// <summary>Periods a metric query with fill or a cumulative metric may lay out.</summary>
    public const int MaxPeriods = 100_000;

    /// <summary>Refuses too many filters or filter values before any is parsed.</summary>
    public static void CheckFilters(IReadOnlyCollection<string> filters)
    {
        if (filters.Count > MaxFilters)
            throw new InvalidRequestException($"{filters.Count:N0} filters is more than the {MaxFilters} a request may have; combine them (column:in:a,b,c)", "filter");
        var values = 0;
        foreach (var filter in filters)
        {
            // Each value is separated by a comma (escaped ones are over-counted, which only errs on the safe side).
            values += 1 + filter.Count(c => c == ',');
            if (values > MaxFilterValues)
                throw new InvalidRequestException($"the filters hold more than the {MaxFilterValues:N0} values a request may have; narrow them, or read the rows and filter them yourself", "filter");
        }
    }

    /// <summary>
    /// Refuses control characters (NUL, escapes, line breaks) in a filter: a NUL would cut the value inside the
    /// engine, so the query run would differ from the one checked and audited.
    /// </summary>
    public static void CheckFilterText(string filter)
    {
        var at = filter.AsSpan().IndexOfAnyInRange('\0', '\u001f');
        if (at < 0) at = filter.IndexOf('\u007f', StringComparison.Ordinal);
        if (at >= 0)
            throw new InvalidRequestException(
                $"filter '{Printable(filter)}' holds a control character (U+{(int)filter[at]:X4}) at position {at + 1}; filter values are printable text", "filter");
    }

    private static string Printable(string text)
    {
        var shown = text.Length > 100 ? text[..100] + "…" : text;
        return string.Concat(shown.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
    }
}
