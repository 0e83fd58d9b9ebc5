using System.Globalization;
using System.Text;
using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Core.Queries;
using Ladle.Core.Semantic.Queries;
using SortKey = Ladle.Core.Queries.SortKey;

namespace Ladle.Core.Semantic.Planning;

public sealed partial class MetricPlanner
{
    private List<(int Metric, Filter Filter)> ResolveFilters(List<OutputColumn> columns, List<MetricDefinition> metrics)
    {
        var metricFilters = new List<(int, Filter)>();
        RequestLimits.CheckFilters(_query.Filters);
        foreach (var text in _query.Filters.Where(f => !string.IsNullOrWhiteSpace(f)))
        {
            var colon = text.IndexOf(':');
            if (colon <= 0)
                throw new InvalidRequestException($"filter '{text}' is not name:operator:value (operators: {RowsRequestParser.Operators})", "filter");
            var name = text[..colon].Trim();
            var metricIndex = metrics.FindIndex(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));
            if (metricIndex >= 0)
            {
                var column = columns.First(c => c.Role == OutputRole.Metric && string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
                metricFilters.Add((metricIndex, Parse(text, column.Name, column.Type)));
                continue;
            }
            var refs = ResolveEverywhere(name, "filter");
            var filter = Parse(text, refs[0].Name, refs[0].Type);
            foreach (var (node, r) in _nodes.Zip(refs)) node.Filters.Add((r, filter));
        }
        return metricFilters;
    }

    private static Filter Parse(string text, string name, LadleType type)
    {
        var colon = text.IndexOf(':');
        var filter = RowsRequestParser.ParseFilter("query", new DatasetSchema([new SchemaColumn(name, type)]), name + text[colon..]);
        return filter with { Column = name };
    }

    /// <summary>Where a node reads rows and which buckets it shows, from the query's range.</summary>
    private void SetRanges(PlanNode node, DateRange? range)
    {
        if (range is null)
        {
            node.ReadRange = null;
            node.ShowRange = null;
            return;
        }
        var shifted = node.Offset is { } o
            ? new DateRange(Shift(range.From, o), Shift(range.To, o))
            : range;
        node.ShowRange = shifted;
        if (node.Accumulation is not { } accumulation || _grain is not { } grain || shifted.From is not { } from)
        {
            node.ReadRange = node.Accumulation is null ? shifted : shifted with { From = null };
            return;
        }
        // A window or a period-to-date reaches back before the first bucket shown.
        DateTime? readFrom = accumulation switch
        {
            { Window: { } w } => TimeGrains.Add(TimeGrains.Truncate(from, grain), grain, -(w.BucketsOf(grain)!.Value - 1)),
            { GrainToDate: { } g } => TimeGrains.Truncate(from, g),
            _ => null,
        };
        node.ReadRange = shifted with { From = readFrom };
    }

    private static DateTime? Shift(DateTime? at, Period offset)
    {
        try
        {
            return at is { } t ? TimeGrains.Add(t, offset.Unit, -offset.Count) : null;
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new InvalidRequestException($"the range, looked {offset} back, starts before the year 0001; start it later", "range");
        }
    }

    /// <summary>
    /// Refuses a range whose generated buckets (fill and cumulative windows lay every period out) would be more than
    /// <see cref="RequestLimits.MaxPeriods"/>: an hour grain over centuries is minutes of CPU for a few rows. An open
    /// end counts from now, where the data usually ends.
    /// </summary>
    private void CheckPeriods(FillMode fill, DateTime localNow)
    {
        if (_grain is not { } g) return;
        foreach (var node in _nodes)
        {
            if (fill == FillMode.None && node.Accumulation is null || node.ReadRange is not { } range) continue;
            var bounded = new DateRange(range.From ?? localNow, range.To ?? localNow);
            if (bounded.Periods(g) is { } periods && Math.Abs(periods) > RequestLimits.MaxPeriods)
                throw new InvalidRequestException(
                    $"range '{_query.Range}' at granularity {g.Name()} lays out about {Math.Abs(periods):N0} periods; with fill or a cumulative metric a query may cover at most {RequestLimits.MaxPeriods:N0}: narrow the range or choose a coarser granularity", "range");
        }
    }

    private List<SortKey> ResolveOrder(List<OutputColumn> columns)
    {
        var order = new List<SortKey>();
        foreach (var part in _query.Order.SelectMany(o => o.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)))
        {
            var pieces = part.Split(':');
            var column = columns.FirstOrDefault(c => string.Equals(c.Name, pieces[0].Trim(), StringComparison.OrdinalIgnoreCase))
                ?? throw new InvalidRequestException($"order '{part}' names no output column ({Ladle.Core.Loading.Suggest.Hint(pieces[0], columns.Select(c => c.Name).ToList())})", "order");
            var descending = pieces.Length switch
            {
                1 => false,
                2 when pieces[1].Trim().Equals("asc", StringComparison.OrdinalIgnoreCase) => false,
                2 when pieces[1].Trim().Equals("desc", StringComparison.OrdinalIgnoreCase) => true,
                _ => throw new InvalidRequestException($"order '{part}' is not name:asc or name:desc", "order"),
            };
            if (order.All(o => o.Column != column.Name)) order.Add(new SortKey(column.Name, descending));
        }
        // Time, then the dimensions, make every answer's order total: the same query gives the same bytes.
        foreach (var column in columns.Where(c => c.Role == OutputRole.Time).Concat(columns.Where(c => c.Role == OutputRole.Dimension)))
            if (order.All(o => o.Column != column.Name)) order.Add(new SortKey(column.Name, false));
        return order;
    }

    private long? ParseLimit(long? maxLimit)
    {
        if (string.IsNullOrWhiteSpace(_query.Limit)) return maxLimit;
        if (!long.TryParse(_query.Limit, NumberStyles.None, CultureInfo.InvariantCulture, out var limit))
            throw new InvalidRequestException($"limit must be a whole number of 0 or more, not '{_query.Limit}'", "limit");
        if (maxLimit is { } max && limit > max)
            throw new InvalidRequestException($"limit {limit} is above the largest answer of {max} rows; export as csv, ndjson or parquet for more", "limit");
        return limit;
    }

    /// <summary>The plan in a normal form: everything that decides the answer, nothing that does not.</summary>
    private static string KeyOf(MetricPlan plan)
    {
        var inv = CultureInfo.InvariantCulture;
        var key = new StringBuilder("m1");
        key.Append("|m=").AppendJoin(',', plan.Metrics.Select(m => m.Name.ToLowerInvariant()));
        key.Append("|c=").AppendJoin(',', plan.Columns.Select(c => c.Name));
        key.Append("|d=").AppendJoin(',', plan.Nodes.Count == 0 ? [] : plan.Nodes[0].Dimensions.Select(d => d.Identity));
        key.Append("|t=").AppendJoin(',', plan.Nodes.Select(n => n.Time?.Identity ?? "-"));
        key.Append("|g=").Append(plan.Grain?.Name()).Append("|z=").Append(TimeZones.IdOf(plan.Zone));
        key.Append("|r=").Append(plan.Range?.ToString());
        key.Append("|f=");
        foreach (var (r, f) in plan.Nodes.Count == 0 ? [] : plan.Nodes[0].Filters) key.Append(r.Identity).Append(':').Append(FilterText(f)).Append(';');
        foreach (var (i, f) in plan.MetricFilters) key.Append('#').Append(i.ToString(inv)).Append(':').Append(FilterText(f)).Append(';');
        key.Append("|o=").AppendJoin(',', plan.Order.Select(o => o.Column + (o.Descending ? "-" : "+")));
        key.Append("|l=").Append(plan.Limit?.ToString(inv)).Append("|fill=").Append(plan.Fill);
        return key.ToString();
    }

    /// <summary>A filter as text, values invariant and typed, for cache keys.</summary>
    public static string FilterText(Filter filter) =>
        $"{filter.Operator}:{string.Join(",", filter.Values.Select(v => v switch
        {
            DateTime t => t.ToString("O", CultureInfo.InvariantCulture),
            DateOnly d => d.ToString("O", CultureInfo.InvariantCulture),
            string s => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'",
            _ => Convert.ToString(v, CultureInfo.InvariantCulture),
        }))}";
}
