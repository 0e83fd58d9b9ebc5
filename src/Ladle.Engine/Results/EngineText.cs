using System.Collections;
using System.Globalization;
using System.Text;
using DuckDB.NET.Native;

namespace Ladle.Engine.Results;

/// <summary>
/// The text of engine values beyond Ladle's seven logical types (lists, structs, maps, intervals, times, blobs
/// read as streams), as DuckDB writes them when cast to VARCHAR, so a SQL answer's column of such a type is
/// served as readable text (its <see cref="ResultColumn.EngineType"/> says what it was) rather than a .NET type name.
/// </summary>
public static class EngineText
{
    /// <summary>The text of <paramref name="value"/>, or null when it is not one of the engine-only types.</summary>
    public static string? TryFormat(object value) => value switch
    {
        string => null,
        byte[] => null,
        Stream stream => Convert.ToBase64String(ReadAll(stream)),
        TimeSpan span => Interval(0, span.Days, span.Ticks % TimeSpan.TicksPerDay / 10),
        DuckDBInterval interval => Interval(interval.Months, interval.Days, (long)interval.Micros),
        TimeOnly time => time.ToString(time.Ticks % TimeSpan.TicksPerSecond == 0 ? "HH:mm:ss" : "HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture),
        IDictionary map => Map(map),
        IList list => "[" + string.Join(", ", list.Cast<object?>().Select(Element)) + "]",
        _ => null,
    };

    private static string Element(object? value) => value switch
    {
        null => "NULL",
        string s => s,
        _ => TryFormat(value) ?? (value is IFormattable f ? f.ToString(null, CultureInfo.InvariantCulture) : value.ToString() ?? ""),
    };

    // Structs come as string-keyed dictionaries of objects ({'a': 1}); maps as typed dictionaries ({k=1}).
    private static string Map(IDictionary map)
    {
        var structLike = map.GetType().IsGenericType && map.GetType().GetGenericArguments() is [var key, var value] && key == typeof(string) && value == typeof(object);
        var parts = new List<string>();
        foreach (DictionaryEntry entry in map)
            parts.Add(structLike ? $"'{entry.Key}': {Quoted(entry.Value)}" : $"{Element(entry.Key)}={Element(entry.Value)}");
        return "{" + string.Join(", ", parts) + "}";
    }

    private static string Quoted(object? value) => value is string s ? "'" + s + "'" : Element(value);

    /// <summary>PostgreSQL's and DuckDB's interval text: <c>1 year 2 mons 3 days 04:05:06</c>.</summary>
    private static string Interval(int months, int days, long micros)
    {
        var text = new StringBuilder();
        void Part(long n, string unit)
        {
            if (n == 0) return;
            if (text.Length > 0) text.Append(' ');
            text.Append(n.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(unit).Append(Math.Abs(n) == 1 ? "" : "s");
        }
        Part(months / 12, "year");
        Part(months % 12, "mon");
        Part(days, "day");
        if (micros != 0 || text.Length == 0)
        {
            if (text.Length > 0) text.Append(' ');
            if (micros < 0) { text.Append('-'); micros = -micros; }
            var time = TimeSpan.FromTicks(micros * 10);
            text.Append(((long)time.TotalHours).ToString("00", CultureInfo.InvariantCulture)).Append(time.ToString(@"\:mm\:ss", CultureInfo.InvariantCulture));
            if (micros % 1_000_000 != 0) text.Append('.').Append((micros % 1_000_000).ToString("000000", CultureInfo.InvariantCulture).TrimEnd('0'));
        }
        return text.ToString();
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
