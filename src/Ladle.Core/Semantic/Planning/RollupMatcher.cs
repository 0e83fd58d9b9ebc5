using Ladle.Core.Model;
using Ladle.Core.Queries;

namespace Ladle.Core.Semantic.Planning;

/// <summary>Whether one rollup answered a node, and why or why not (for explain).</summary>
public sealed record RollupVerdict(string Rollup, string Node, bool Used, string Reason);

/// <summary>
/// Decides which rollup, if any, can answer a node exactly: sums and counts re-aggregate from finer groups,
/// averages from their sum and count, distinct counts and percentiles only from a rollup grouped exactly like the
/// query. A policy's row filter is answered from a rollup only when each of its columns is a plain-column dimension
/// the rollup groups by, so filtering the groups keeps exactly the rows the filter keeps. Everything it cannot be
/// sure of is a reason not to use one, stated for explain.
/// </summary>
public static class RollupMatcher
{
    /// <param name="unavailable">Why a rollup cannot be read right now (not built for the served version), or null.</param>
    /// <param name="rowFilters">Conditions a policy adds for the caller, per dataset; they apply before aggregation.</param>
    public static (RollupDefinition? Chosen, IReadOnlyList<RollupVerdict> Verdicts) Match(
        MetricPlan plan, PlanNode node, Func<RollupDefinition, string?> unavailable, IReadOnlyDictionary<string, IReadOnlyList<IReadOnlyList<Filter>>> rowFilters)
    {
        var verdicts = new List<RollupVerdict>();
        var usable = new List<RollupDefinition>();
        foreach (var rollup in node.Model.Rollups)
        {
            var reason = WhyNot(plan, node, rollup, rowFilters) ?? unavailable(rollup);
            if (reason is null) usable.Add(rollup);
            else verdicts.Add(new RollupVerdict(rollup.Name, node.Id, false, reason));
        }
        var chosen = usable.OrderBy(r => r.Dimensions.Count).ThenByDescending(r => r.Grain ?? TimeGrain.Year).FirstOrDefault();
        foreach (var rollup in usable)
            verdicts.Add(new RollupVerdict(rollup.Name, node.Id, ReferenceEquals(rollup, chosen),
                ReferenceEquals(rollup, chosen) ? "answers every measure, dimension, filter and bucket of the query exactly" : $"also matches, but '{chosen!.Name}' is smaller"));
        return (chosen, verdicts);
    }

    /// <summary>
    /// The rollup dimension that holds a row filter's column as it is (not an expression over it), or null.
    /// </summary>
    public static DimensionDefinition? FilterDimension(SemanticModel model, RollupDefinition rollup, Filter filter) =>
        rollup.Dimensions.Select(model.FindDimension).OfType<DimensionDefinition>()
            .FirstOrDefault(d => d.Sql is null && string.Equals(d.Column, filter.Column, StringComparison.OrdinalIgnoreCase));

    private static string? WhyNot(MetricPlan plan, PlanNode node, RollupDefinition rollup, IReadOnlyDictionary<string, IReadOnlyList<IReadOnlyList<Filter>>> rowFilters)
    {
        foreach (var (dataset, filters) in rowFilters.Where(f => f.Value.Count > 0))
        {
            if (!node.Datasets.Contains(dataset, StringComparer.OrdinalIgnoreCase)) continue;
            if (!string.Equals(dataset, node.Model.Dataset.Name, StringComparison.OrdinalIgnoreCase))
                return $"row filters apply to '{dataset}' for this caller, and a rollup holds only '{node.Model.Dataset.Name}'";
            if (filters.SelectMany(g => g).FirstOrDefault(f => FilterDimension(node.Model, rollup, f) is null) is { } unmatched)
                return $"a row filter on column '{unmatched.Column}' of '{dataset}' applies to this caller, and the rollup does not group by that column";
        }
        if (node.Measures.FirstOrDefault(m => !rollup.Measures.Contains(m.Name, StringComparer.OrdinalIgnoreCase)) is { } missing)
            return $"lacks measure '{missing.Name}'";
        var used = node.Dimensions.Concat(node.Filters.Select(f => f.Dimension)).ToList();
        if (used.FirstOrDefault(d => d.Path.Hops.Count > 0) is { } joined)
            return $"the query uses '{joined.Name}' of model '{joined.Path.Target.Name}'; a rollup holds only model '{node.Model.Name}''s own dimensions";
        if (used.FirstOrDefault(d => !rollup.Dimensions.Contains(d.Dimension?.Name ?? "", StringComparer.OrdinalIgnoreCase)) is { } absent)
            return $"lacks dimension '{absent.Name}'";

        if (node.Time is { } time && (plan.Grain is not null || node.ReadRange is not null))
        {
            if (rollup.TimeDimension is null || rollup.Grain is not { } rollupGrain)
                return "has no time buckets, and the query buckets or ranges by time";
            if (time.Path.Hops.Count > 0 || !string.Equals(time.Dimension!.Name, rollup.TimeDimension, StringComparison.OrdinalIgnoreCase))
                return $"buckets by '{rollup.TimeDimension}', the query by '{time.Name}'";
            if (plan.Grain is { } grain && !TimeGrains.CanRollUp(rollupGrain, grain))
                return $"its {rollupGrain.Name()} buckets cannot be added up into {grain.Name()}s";
            if (time.Type == LadleType.Timestamp && !string.Equals(rollup.Zone, TimeZones.IdOf(plan.Zone), StringComparison.OrdinalIgnoreCase))
                return $"cuts its buckets in {rollup.Zone}, the query in {TimeZones.IdOf(plan.Zone)}";
            foreach (var bound in new[] { node.ReadRange?.From, node.ReadRange?.To }.OfType<DateTime>())
                if (TimeGrains.Truncate(bound, rollupGrain) != bound)
                    return $"the range bound {bound:yyyy-MM-dd HH:mm} falls inside one of its {rollupGrain.Name()} buckets";
        }

        var exact = node.Measures.FirstOrDefault(m => m.Agg is Aggregation.CountDistinct or Aggregation.Median or Aggregation.Percentile);
        if (exact is not null)
        {
            var sameGroups = node.Dimensions.Count == rollup.Dimensions.Count &&
                             rollup.Dimensions.All(d => node.Dimensions.Any(x => string.Equals(x.Dimension?.Name, d, StringComparison.OrdinalIgnoreCase))) &&
                             plan.Grain == rollup.Grain;
            if (!sameGroups)
                return $"'{exact.Name}' ({exact.Agg.ToString().ToLowerInvariant()}) cannot be combined across groups, and the query groups differently from the rollup";
        }
        return null;
    }
}
