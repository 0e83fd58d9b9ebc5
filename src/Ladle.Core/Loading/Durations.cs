using System.Globalization;
using System.Text.RegularExpressions;

namespace Ladle.Core.Loading;

/// <summary>Durations (2h, 30m, 1d12h, 90s) and percentages (1%, 0.5%) as written in YAML.</summary>
public static partial class Durations
{
    [GeneratedRegex(@"^\s*(?:(\d+)\s*w)?\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex DurationRegex();

    public const string Expected = "a duration such as 90s, 30m, 2h, 1d or 1d12h";

    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var match = DurationRegex().Match(text);
        if (!match.Success || text.Trim().Length == 0) return false;
        // Parts too large for a TimeSpan (99999999999d) are not durations, not an overflow.
        double Part(int i) => match.Groups[i].Success ? double.Parse(match.Groups[i].Value, CultureInfo.InvariantCulture) : 0;
        var seconds = (Part(1) * 7 + Part(2)) * 86400 + Part(3) * 3600 + Part(4) * 60 + Part(5);
        if (!(seconds < TimeSpan.MaxValue.TotalSeconds / 2)) return false;
        duration = TimeSpan.FromDays(Part(1) * 7 + Part(2)) + TimeSpan.FromHours(Part(3)) + TimeSpan.FromMinutes(Part(4)) + TimeSpan.FromSeconds(Part(5));
        return duration > TimeSpan.Zero;
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
