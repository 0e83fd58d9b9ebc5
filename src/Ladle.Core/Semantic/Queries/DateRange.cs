using System.Globalization;
using System.Text.RegularExpressions;
using Ladle.Core.Errors;

namespace Ladle.Core.Semantic.Queries;

/// <summary>
/// A half-open range of wall-clock times in the query's zone, [From, To); either end may be open. Relative ranges
/// ("last 12 months") are resolved against the clock when the query is planned, so the cache key holds the
/// absolute range and rolls over by itself when the day changes.
/// </summary>
public sealed partial record DateRange(DateTime? From, DateTime? To)
{
    [GeneratedRegex(@"^(?:(?:last|past|previous)\s+)?(\d{1,4})\s*([a-z]+)$")]
    private static partial Regex LastRegex();

    /// <summary>How a range is written, for error messages.</summary>
    public const string Expected =
        "today, yesterday, this week|month|quarter|year, last month, last 30 days, last 12 months, " +
        "or from..to with dates or date-times in the query's zone (2026-01-01..2026-04-01, to excluded; either end may be left out)";

    public override string ToString() =>
        $"{From?.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture)}..{To?.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture)}";

    /// <summary>Parses <paramref name="text"/> with "now" as the wall-clock time <paramref name="localNow"/>.</summary>
    public static DateRange Parse(string text, DateTime localNow)
    {
        try
        {
            return ParseInCalendar(text, localNow);
        }
        catch (ArgumentOutOfRangeException)
        {
            // 9999-12-31 (its day ends past the calendar), last 9999 years: a clear 400, never a 500.
            throw new InvalidRequestException($"range '{text}' reaches outside the calendar Ladle computes with (years 0001 to 9998)", "range");
        }
    }

    private static DateRange ParseInCalendar(string text, DateTime localNow)
    {
        var t = Regex.Replace(text.Trim().ToLowerInvariant(), @"\s+", " ");
        var today = localNow.Date;
        switch (t)
        {
            case "today": return new DateRange(today, today.AddDays(1));
            case "yesterday": return new DateRange(today.AddDays(-1), today);
            case "all" or "all time": return new DateRange(null, null);
        }
        foreach (var prefix in new[] { "this ", "current " })
        {
            if (t.StartsWith(prefix, StringComparison.Ordinal) && TimeGrains.TryParse(t[prefix.Length..], out var grain))
                return Current(localNow, grain);
        }
        if (t.EndsWith(" to date", StringComparison.Ordinal) && TimeGrains.TryParse(t[..^" to date".Length], out var toDate))
            return Current(localNow, toDate);
        if (t is "wtd" or "mtd" or "qtd" or "ytd")
            return Current(localNow, t[0] switch { 'w' => TimeGrain.Week, 'm' => TimeGrain.Month, 'q' => TimeGrain.Quarter, _ => TimeGrain.Year });
        if ((t.StartsWith("last ", StringComparison.Ordinal) || t.StartsWith("previous ", StringComparison.Ordinal)) &&
            TimeGrains.TryParse(t[(t.IndexOf(' ') + 1)..], out var single))
            return Last(localNow, single, 1);
        var last = LastRegex().Match(t);
        if (last.Success && TimeGrains.TryParse(last.Groups[2].Value, out var unit) && last.Groups[2].Value != "m")
            return Last(localNow, unit, int.Parse(last.Groups[1].Value, CultureInfo.InvariantCulture));
        var dots = t.IndexOf("..", StringComparison.Ordinal);
        if (dots >= 0)
        {
            var from = t[..dots].Trim();
            var to = t[(dots + 2)..].Trim();
            var range = new DateRange(from.Length == 0 ? null : Point(text, from).Start, to.Length == 0 ? null : Point(text, to).Start);
            if (range.From is { } f && range.To is { } e && e <= f)
                throw new InvalidRequestException($"range '{text}' ends before it starts (the end is excluded)", "range");
            return range;
        }
        var (start, end) = Point(text, t);
        return new DateRange(start, end);
    }

    /// <summary>The number of <paramref name="grain"/> buckets the range spans, roughly (months as 30.4 days); null when an end is open.</summary>
    public double? Periods(TimeGrain grain) => From is { } from && To is { } to
        ? (to - from).TotalHours / grain switch
        {
            TimeGrain.Hour => 1,
            TimeGrain.Day => 24,
            TimeGrain.Week => 168,
            TimeGrain.Month => 730,
            TimeGrain.Quarter => 2190,
            _ => 8766,
        }
        : null;

    /// <summary>The current period of <paramref name="grain"/>, up to its end.</summary>
    private static DateRange Current(DateTime now, TimeGrain grain)
    {
        var start = TimeGrains.Truncate(now, grain);
        return new DateRange(start, TimeGrains.Add(start, grain, 1));
    }

    /// <summary>The <paramref name="count"/> whole periods before the current one: complete periods only.</summary>
    private static DateRange Last(DateTime now, TimeGrain grain, int count)
    {
        if (count < 1) throw new InvalidRequestException("a range counts at least 1 period", "range");
        var end = TimeGrains.Truncate(now, grain);
        return new DateRange(TimeGrains.Add(end, grain, -count), end);
    }

    /// <summary>A date (the whole day), a month (yyyy-MM), a year (yyyy) or a date-time (that instant).</summary>
    private static (DateTime Start, DateTime End) Point(string original, string text)
    {
        var inv = CultureInfo.InvariantCulture;
        if (text.Length >= 4 && text.StartsWith("9999", StringComparison.Ordinal))
            throw new ArgumentOutOfRangeException(nameof(text), "the year 9999 ends the calendar");
        if (DateTime.TryParseExact(text, "yyyy-MM-dd", inv, DateTimeStyles.None, out var day)) return (day, day.AddDays(1));
        if (DateTime.TryParseExact(text, "yyyy-MM", inv, DateTimeStyles.None, out var month)) return (month, month.AddMonths(1));
        if (text.Length == 4 && DateTime.TryParseExact(text, "yyyy", inv, DateTimeStyles.None, out var year)) return (year, year.AddYears(1));
        string[] formats = ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss"];
        if (DateTime.TryParseExact(text.Replace('t', 'T'), formats, inv, DateTimeStyles.None, out var at))
            return (at, at);
        throw new InvalidRequestException($"range '{original}' is not a range Ladle understands; expected {Expected}", "range");
    }
}
