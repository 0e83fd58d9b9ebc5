using Ladle.Core.Model;
using Ladle.Core.Semantic;

namespace Ladle.Core.Sql;

// Aggregates and the comparisons metric queries join on.
public abstract partial class SqlDialect
{
    /// <summary>An aggregate with an optional condition on the rows it takes.</summary>
    public virtual string Aggregate(Aggregation agg, string? value, double percentile, string? condition)
    {
        var filter = condition is null ? "" : $" FILTER (WHERE {condition})";
        return agg switch
        {
            Aggregation.Sum => $"sum({value}){filter}",
            Aggregation.Count => value is null ? $"count(*){filter}" : $"count({value}){filter}",
            Aggregation.CountDistinct => $"count(DISTINCT {value}){filter}",
            Aggregation.Avg => $"{Cast($"avg({value}){filter}", LadleType.Double)}",
            Aggregation.Min => $"min({value}){filter}",
            Aggregation.Max => $"max({value}){filter}",
            Aggregation.Median => Percentile(value!, 0.5, filter),
            Aggregation.Percentile => Percentile(value!, percentile, filter),
            _ => throw new ArgumentOutOfRangeException(nameof(agg)),
        };
    }

    /// <summary>The continuous percentile of a value (median is 0.5), as a double.</summary>
    protected abstract string Percentile(string value, double fraction, string filter);

    /// <summary>Any one value of a group (for the columns of a deduplicated dimension row).</summary>
    public virtual string AnyValue(string expression) => $"any_value({expression})";

    /// <summary>True when both are null or both equal: joining aggregates on dimensions that may be null.</summary>
    public virtual string NotDistinct(string left, string right) => $"{left} IS NOT DISTINCT FROM {right}";
}
