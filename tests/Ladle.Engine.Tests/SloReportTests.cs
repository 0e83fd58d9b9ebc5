using Ladle.Core.Model;
using Ladle.Engine.Trust;

namespace Ladle.Engine.Tests;

public sealed class SloReportTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Stale_time_is_what_falls_outside_max_age_after_each_publication()
    {
        var slo = new FreshnessSlo { MaxAge = TimeSpan.FromHours(1), Objective = 0.99, Window = TimeSpan.FromHours(10) };
        var report = SloReport.Compute(slo, [T0, T0.AddHours(2)], T0.AddHours(4));
        Assert.Equal(TimeSpan.FromHours(2), report.StaleTime);
        Assert.Equal(0.5, report.Attainment, 6);
        Assert.False(report.Met);
        Assert.Equal(TimeSpan.FromHours(4) * 0.01, report.BudgetTotal);
        Assert.Equal(report.BudgetTotal - TimeSpan.FromHours(2), report.BudgetLeft);
    }

    [Fact]
    public void Only_the_window_counts_and_a_publication_before_it_still_covers_its_start()
    {
        var slo = new FreshnessSlo { MaxAge = TimeSpan.FromHours(3), Objective = 0.9, Window = TimeSpan.FromHours(4) };
        // Published 10h and 2h before now: the window [now-4h, now] starts stale (the old version is 8h old),
        // is fresh from the second publication on.
        var now = T0.AddHours(10);
        var report = SloReport.Compute(slo, [T0, T0.AddHours(8)], now);
        Assert.Equal(now.AddHours(-4), report.From);
        Assert.Equal(TimeSpan.FromHours(2), report.StaleTime);
        Assert.Equal(0.5, report.Attainment, 6);
    }

    [Fact]
    public void Always_fresh_meets_the_objective_with_the_whole_budget_left()
    {
        var slo = new FreshnessSlo { MaxAge = TimeSpan.FromHours(2), Objective = 0.99, Window = TimeSpan.FromDays(1) };
        var publications = Enumerable.Range(0, 24).Select(h => T0.AddHours(h)).ToList();
        var report = SloReport.Compute(slo, publications, T0.AddHours(24));
        Assert.Equal(TimeSpan.Zero, report.StaleTime);
        Assert.True(report.Met);
        Assert.Equal(report.BudgetTotal, report.BudgetLeft);
    }
}
