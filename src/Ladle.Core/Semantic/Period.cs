using System.Globalization;
using System.Text.RegularExpressions;

namespace Ladle.Core.Semantic;

/// <summary>A calendar length such as "7 days" or "1 month": cumulative windows and period offsets.</summary>
public readonly partial record struct Period(int Count, TimeGrain Unit)
{
    [GeneratedRegex(@"^\s*(\d{1,4})\s*([A-Za-z]+)\s*$")]
    private static partial Regex PeriodRegex();

    /// <summary>How a period is written, for error messages.</summary>
    public const string Expected = "a count and a unit such as 7 days, 1 month, 2 weeks or 1 year";

    public static bool TryParse(string? text, out Period period)
    {
        period = default;
        if (text is null) return false;
        var match = PeriodRegex().Match(text);
        if (!match.Success || !TimeGrains.TryParse(match.Groups[2].Value, out var unit)) return false;
        // 'm' alone is ambiguous (minutes or months); periods are calendar units, so say it in words.
        if (match.Groups[2].Value.Equals("m", StringComparison.OrdinalIgnoreCase)) return false;
        var count = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        if (count < 1) return false;
        period = new Period(count, unit);
        return true;
    }

    /// <summary>
    /// How many buckets of <paramref name="grain"/> the period spans, when that is a fixed number
    /// (7 days = 7 day buckets = 1 week bucket; 1 month is no fixed number of days).
    /// </summary>
    public int? BucketsOf(TimeGrain grain)
    {
        long? hours = Unit switch { TimeGrain.Hour => 1, TimeGrain.Day => 24, TimeGrain.Week => 168, _ => null };
        long? months = Unit switch { TimeGrain.Month => 1, TimeGrain.Quarter => 3, TimeGrain.Year => 12, _ => null };
        long? grainHours = grain switch { TimeGrain.Hour => 1, TimeGrain.Day => 24, TimeGrain.Week => 168, _ => null };
        long? grainMonths = grain switch { TimeGrain.Month => 1, TimeGrain.Quarter => 3, TimeGrain.Year => 12, _ => null };
        if (hours is { } h && grainHours is { } gh) return h * Count % gh == 0 ? (int)(h * Count / gh) : null;
        if (months is { } m && grainMonths is { } gm) return m * Count % gm == 0 ? (int)(m * Count / gm) : null;
        return null;
    }

    /// <summary>
    /// True when shifting a bucket of <paramref name="grain"/> by this period lands on the start of another
    /// bucket (a month earlier than a month bucket, a week earlier than a day bucket; not a week earlier than a month).
    /// </summary>
    public bool AlignsWith(TimeGrain grain) => grain switch
    {
        TimeGrain.Hour => true,
        TimeGrain.Day => Unit != TimeGrain.Hour,
        TimeGrain.Week => Unit == TimeGrain.Week,
        TimeGrain.Month => Unit is TimeGrain.Month or TimeGrain.Quarter or TimeGrain.Year,
        TimeGrain.Quarter => Unit is TimeGrain.Quarter or TimeGrain.Year || Unit == TimeGrain.Month && Count % 3 == 0,
        TimeGrain.Year => Unit == TimeGrain.Year || Unit is TimeGrain.Month && Count % 12 == 0 || Unit is TimeGrain.Quarter && Count % 4 == 0,
        _ => false,
    };

    public override string ToString() => $"{Count.ToString(CultureInfo.InvariantCulture)} {Unit.Name()}{(Count == 1 ? "" : "s")}";
}
