namespace Ladle.Core.Semantic;

/// <summary>The periods a time dimension can be bucketed into, finest first.</summary>
public enum TimeGrain : byte
{
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

/// <summary>Names, parsing and calendar arithmetic of <see cref="TimeGrain"/>.</summary>
public static class TimeGrains
{
    /// <summary>The grains as users write them, for error messages.</summary>
    public const string Allowed = "hour, day, week, month, quarter, year";

    public static IReadOnlyList<TimeGrain> All { get; } = Enum.GetValues<TimeGrain>();

    /// <summary>Parses a grain, singular or plural, case-insensitively.</summary>
    public static bool TryParse(string? text, out TimeGrain grain)
    {
        grain = TimeGrain.Day;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var t = text.Trim().ToLowerInvariant();
        switch (t)
        {
            case "hour" or "hours" or "h" or "hourly": grain = TimeGrain.Hour; return true;
            case "day" or "days" or "d" or "daily": grain = TimeGrain.Day; return true;
            case "week" or "weeks" or "w" or "weekly": grain = TimeGrain.Week; return true;
            case "month" or "months" or "monthly": grain = TimeGrain.Month; return true;
            case "quarter" or "quarters" or "q" or "quarterly": grain = TimeGrain.Quarter; return true;
            case "year" or "years" or "y" or "yearly": grain = TimeGrain.Year; return true;
            default: return false;
        }
    }

    public static string Name(this TimeGrain grain) => grain.ToString().ToLowerInvariant();

    /// <summary>True when buckets of <paramref name="coarse"/> are unions of whole buckets of <paramref name="fine"/>.</summary>
    public static bool CanRollUp(TimeGrain fine, TimeGrain coarse) => (fine, coarse) switch
    {
        _ when fine == coarse => true,
        _ when coarse < fine => false,
        (TimeGrain.Hour, _) => true,
        (TimeGrain.Day, _) => true,
        // Weeks straddle months and years, so nothing coarser is made of whole weeks.
        (TimeGrain.Week, _) => false,
        (TimeGrain.Month, TimeGrain.Quarter or TimeGrain.Year) => true,
        (TimeGrain.Quarter, TimeGrain.Year) => true,
        _ => false,
    };

    /// <summary>The start of the bucket holding <paramref name="local"/> (a wall-clock time in the query's zone).</summary>
    public static DateTime Truncate(DateTime local, TimeGrain grain) => grain switch
    {
        TimeGrain.Hour => new DateTime(local.Year, local.Month, local.Day, local.Hour, 0, 0),
        TimeGrain.Day => local.Date,
        // ISO weeks start on Monday, as date_trunc('week') does in DuckDB and PostgreSQL.
        TimeGrain.Week => local.Date.AddDays(-(((int)local.DayOfWeek + 6) % 7)),
        TimeGrain.Month => new DateTime(local.Year, local.Month, 1),
        TimeGrain.Quarter => new DateTime(local.Year, (local.Month - 1) / 3 * 3 + 1, 1),
        TimeGrain.Year => new DateTime(local.Year, 1, 1),
        _ => throw new ArgumentOutOfRangeException(nameof(grain)),
    };

    /// <summary>Moves a wall-clock time by whole periods (months clamp to the month's last day, like SQL intervals).</summary>
    public static DateTime Add(DateTime local, TimeGrain grain, int count) => grain switch
    {
        TimeGrain.Hour => local.AddHours(count),
        TimeGrain.Day => local.AddDays(count),
        TimeGrain.Week => local.AddDays(7 * count),
        TimeGrain.Month => local.AddMonths(count),
        TimeGrain.Quarter => local.AddMonths(3 * count),
        TimeGrain.Year => local.AddYears(count),
        _ => throw new ArgumentOutOfRangeException(nameof(grain)),
    };
}
