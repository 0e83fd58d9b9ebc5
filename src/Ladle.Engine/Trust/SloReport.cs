using Ladle.Core.Model;

namespace Ladle.Engine.Trust;

/// <summary>How well a dataset kept its freshness promise over the SLO window, and the error budget left.</summary>
public sealed record SloReport(
    TimeSpan MaxAge, double Objective, TimeSpan Window, DateTimeOffset From, DateTimeOffset To,
    TimeSpan StaleTime, double Attainment, TimeSpan BudgetTotal, TimeSpan BudgetLeft)
{
    public bool Met => Attainment >= Objective;

    /// <summary>
    /// Walks the publication history: after each publication the data is fresh for <c>max_age</c> or until the
    /// next publication; every other moment of the window (since the first publication) counts as stale.
    /// </summary>
    public static SloReport Compute(FreshnessSlo slo, IReadOnlyList<DateTimeOffset> publications, DateTimeOffset now)
    {
        var windowStart = now - slo.Window;
        var ordered = publications.Where(p => p <= now).Order().ToList();
        var from = ordered.Count == 0 ? now : ordered[0] > windowStart ? ordered[0] : windowStart;
        var stale = TimeSpan.Zero;
        for (var i = 0; i < ordered.Count; i++)
        {
            var freshUntil = ordered[i] + slo.MaxAge;
            var next = i + 1 < ordered.Count ? ordered[i + 1] : now;
            if (next <= from) continue;
            var segmentStart = ordered[i] < from ? from : ordered[i];
            var staleFrom = freshUntil > segmentStart ? freshUntil : segmentStart;
            if (next > staleFrom) stale += next - staleFrom;
        }
        var span = now - from;
        var attainment = span <= TimeSpan.Zero ? 1.0 : 1.0 - stale / span;
        var budget = span * (1 - slo.Objective);
        return new SloReport(slo.MaxAge, slo.Objective, slo.Window, from, now, stale, attainment, budget, budget - stale);
    }
}
