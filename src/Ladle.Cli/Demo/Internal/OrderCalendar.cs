namespace Ladle.Cli.Demo.Internal;

/// <summary>
/// How many orders fall on each day and hour: growth, the weekly rhythm, the season, Black Friday
/// and Christmas. Counts are apportioned exactly so the total is what was asked for.
/// </summary>
internal static class OrderCalendar
{
    private static readonly double[] MonthFactor = [0.88, 0.82, 0.92, 0.95, 0.97, 0.95, 0.92, 0.93, 0.97, 1.0, 1.25, 1.4];

    // Sunday first, as DayOfWeek counts.
    private static readonly double[] WeekdayFactor = [1.08, 0.95, 0.93, 0.95, 1.0, 1.05, 1.12];

    /// <summary>Share of a day's orders placed in each hour: quiet nights, an evening peak.</summary>
    public static readonly double[] HourWeights =
        [0.3, 0.2, 0.15, 0.1, 0.1, 0.15, 0.35, 0.6, 0.8, 0.9, 1.0, 1.05, 1.15, 1.05, 1.0, 1.0, 1.05, 1.15, 1.3, 1.5, 1.6, 1.45, 1.05, 0.6];

    public static int[] OrdersPerDay(int orders, Random random)
    {
        var days = DemoCalendar.OrderDays;
        var weights = new double[days];
        var growth = Math.Log(1 + CustomerGenerator.YearlyGrowth) / 365.0;
        for (var d = 0; d < days; d++)
        {
            var date = DemoCalendar.OrdersStart.AddDays(d);
            weights[d] = Math.Exp(growth * d) * MonthFactor[date.Month - 1] * WeekdayFactor[(int)date.DayOfWeek]
                         * Holiday(date) * Math.Exp(random.Normal(0, 0.06));
        }
        var total = weights.Sum();
        var counts = new int[days];
        var remainders = new (double Fraction, int Day)[days];
        var assigned = 0;
        for (var d = 0; d < days; d++)
        {
            var exact = orders * weights[d] / total;
            counts[d] = (int)Math.Floor(exact);
            assigned += counts[d];
            remainders[d] = (exact - counts[d], d);
        }
        // Largest remainders first, ties by day, so the apportionment is exact and reproducible.
        foreach (var (_, day) in remainders.OrderByDescending(r => r.Fraction).ThenBy(r => r.Day).Take(orders - assigned))
            counts[day]++;
        return counts;
    }

    /// <summary>The Friday after the fourth Thursday of November.</summary>
    public static DateTime BlackFriday(int year)
    {
        var first = new DateTime(year, 11, 1);
        var firstThursday = first.AddDays(((int)DayOfWeek.Thursday - (int)first.DayOfWeek + 7) % 7);
        return firstThursday.AddDays(22);
    }

    /// <summary>True from Black Friday through Cyber Monday, when the big promotion runs.</summary>
    public static bool IsBlackFridayWeekend(DateTime date)
    {
        var friday = BlackFriday(date.Year);
        return date.Date >= friday && date.Date <= friday.AddDays(3);
    }

    private static double Holiday(DateTime date)
    {
        var friday = BlackFriday(date.Year);
        if (date.Date == friday) return 2.6;
        if (date.Date == friday.AddDays(3)) return 2.0;
        if (date.Date > friday && date.Date < friday.AddDays(3)) return 1.6;
        if (date.Month == 12)
        {
            return date.Day switch
            {
                24 => 0.7,
                25 => 0.45,
                >= 26 => 0.9,
                >= 21 => 1.1,
                _ => 1.0,
            };
        }
        return 1.0;
    }
}
