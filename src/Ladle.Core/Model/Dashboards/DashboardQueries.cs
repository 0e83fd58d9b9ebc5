using System.Globalization;
using Ladle.Core.Semantic;
using Ladle.Core.Semantic.Queries;

namespace Ladle.Core.Model.Dashboards;

/// <summary>The metric queries a dashboard's tiles send: the same for the checks at load and for the page.</summary>
public static class DashboardQueries
{
    /// <summary>The metric query a tile reads, with the dashboard's range and zone unless it has its own, and extra filters (the reader's).</summary>
    public static MetricQuery QueryOf(DashboardTile tile, string? range, string? zone, IReadOnlyList<string> filters) => new()
    {
        Metrics = tile.Metrics,
        Dimensions = tile.Dimensions,
        Granularity = tile.Granularity,
        Range = tile.Range ?? range,
        Zone = zone,
        Filters = [.. tile.Filters, .. filters],
        Order = tile.Order,
        Limit = tile.Limit?.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// The period just before <paramref name="range"/>, as long as it: whole months (this month, last 12 months, a
    /// quarter, a year) shift by months, so last month's comparison is the month before it, not 30 days; anything
    /// else shifts by its length. Null when an end is open (all time has no previous period).
    /// </summary>
    public static DateRange? Previous(DateRange range)
    {
        if (range is not { From: { } from, To: { } to }) return null;
        if (IsMonthStart(from) && IsMonthStart(to))
        {
            var months = (to.Year - from.Year) * 12 + to.Month - from.Month;
            return from.Year == 1 && from.Month <= months ? null : new DateRange(from.AddMonths(-months), from);
        }
        var length = to - from;
        return from - DateTime.MinValue < length ? null : new DateRange(from - length, from);
    }

    /// <summary>The datasets a dashboard's tiles read, through their metrics, dimensions and the shared filters' dimensions.</summary>
    public static IReadOnlyList<string> DatasetsRead(DashboardDefinition dashboard, SemanticLayer layer)
    {
        var datasets = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var tile in dashboard.Tiles)
        {
            var query = QueryOf(tile, null, null, []) with
            {
                // A tile grouped by a shared filter's dimension names it once.
                Dimensions = tile.Dimensions.Concat(dashboard.Filters.Select(f => f.Dimension)).Distinct(StringComparer.OrdinalIgnoreCase).ToList(),
                Granularity = null, Order = [], Limit = null,
            };
            datasets.UnionWith(Semantic.Planning.MetricPlanner.Plan(layer, query, PlannedAt).Datasets);
        }
        return [.. datasets];
    }

    /// <summary>The datasets read do not depend on the day; any fixed one plans them.</summary>
    private static readonly DateTimeOffset PlannedAt = new(2026, 6, 15, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A range as the metrics API reads it back: local wall-clock times, the end excluded.</summary>
    public static string Text(DateRange range) => range.ToString();

    private static bool IsMonthStart(DateTime t) => t.Day == 1 && t.TimeOfDay == TimeSpan.Zero;
}
