using System.Globalization;
using System.Text.RegularExpressions;

namespace Ladle.Core.Loading;

/// <summary>Durations (2h, 30m, 1d12h, 90s) and percentages (1%, 0.5%) as written in YAML.</summary>
public static partial class Durations
{
    [GeneratedRegex(@"^\s*(?:(\d+)\s*w)?\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex DurationRegex();

    public const string Expected = "a duration such as 90s, 30m, 2h, 1d or 1d12h, at most 36500d (100 years)";

    /// <summary>The longest duration accepted: longer ones mean "forever", overflow dates, and are always a typo.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(36_500);

    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var match = DurationRegex().Match(text);
        if (!match.Success || text.Trim().Length == 0) return false;
        // Each part is bounded before it is added, so 99999999d or a 30-digit number is "too long", never an overflow.
        double total = 0;
        (int Group, double Seconds)[] units = [(1, 7 * 86_400), (2, 86_400), (3, 3_600), (4, 60), (5, 1)];
        foreach (var (group, seconds) in units)
        {
            if (!match.Groups[group].Success) continue;
            if (!double.TryParse(match.Groups[group].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var count)) return false;
            total += count * seconds;
        }
        if (total <= 0 || total > Max.TotalSeconds) return false;
        duration = TimeSpan.FromSeconds(total);
        return true;
    }

    /// <summary>Parses "1%" as 0.01 (fraction) or "10" as a count.</summary>
    public static bool TryParseThreshold(string text, out double value, out bool isFraction)
    {
        var t = text.Trim();
        isFraction = t.EndsWith('%');
        if (isFraction) t = t[..^1];
        if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && value >= 0 && double.IsFinite(value))
        {
            if (isFraction)
            {
                if (value > 100) return false;
                value /= 100;
            }
            return true;
        }
        return false;
    }

    public static string Format(TimeSpan span) =>
        span.TotalDays >= 1 ? $"{span.TotalDays:0.#}d" : span.TotalHours >= 1 ? $"{span.TotalHours:0.#}h" : span.TotalMinutes >= 1 ? $"{span.TotalMinutes:0.#}m" : $"{span.TotalSeconds:0}s";
}
