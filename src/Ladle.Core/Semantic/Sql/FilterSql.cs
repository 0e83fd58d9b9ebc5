using System.Text;
using Ladle.Core.Queries;

namespace Ladle.Core.Semantic.Sql;

/// <summary>A typed filter as SQL over one expression; values are always bound, never spliced.</summary>
internal static class FilterSql
{
    /// <summary>
    /// A policy's row filter: a row shows when every condition of at least one group holds (one group per grant
    /// that reaches the data). Null when there is no filter.
    /// </summary>
    public static string? RenderGroups(IReadOnlyList<IReadOnlyList<Filter>> groups, Func<Filter, string> expressionOf, Func<object, string> bind)
    {
        if (groups.Count == 0) return null;
        string Group(IReadOnlyList<Filter> group) =>
            group.Count == 0 ? "1 = 1" : string.Join(" AND ", group.Select(f => Render(expressionOf(f), f, bind)));
        return groups.Count == 1 ? Group(groups[0]) : "(" + string.Join(" OR ", groups.Select(g => "(" + Group(g) + ")")) + ")";
    }

    public static string Render(string expression, Filter filter, Func<object, string> bind)
    {
        var sql = new StringBuilder();
        switch (filter.Operator)
        {
            case FilterOperator.Eq: sql.Append(expression).Append(" = ").Append(bind(filter.Values[0])); break;
            case FilterOperator.Ne: sql.Append(expression).Append(" <> ").Append(bind(filter.Values[0])); break;
            case FilterOperator.Lt: sql.Append(expression).Append(" < ").Append(bind(filter.Values[0])); break;
            case FilterOperator.Le: sql.Append(expression).Append(" <= ").Append(bind(filter.Values[0])); break;
            case FilterOperator.Gt: sql.Append(expression).Append(" > ").Append(bind(filter.Values[0])); break;
            case FilterOperator.Ge: sql.Append(expression).Append(" >= ").Append(bind(filter.Values[0])); break;
            case FilterOperator.Like: sql.Append(expression).Append(" LIKE ").Append(bind(filter.Values[0])); break;
            case FilterOperator.IsNull: sql.Append(expression).Append(" IS NULL"); break;
            case FilterOperator.NotNull: sql.Append(expression).Append(" IS NOT NULL"); break;
            case FilterOperator.Between:
                sql.Append(expression).Append(" BETWEEN ").Append(bind(filter.Values[0])).Append(" AND ").Append(bind(filter.Values[1]));
                break;
            case FilterOperator.In:
                sql.Append(expression).Append(" IN (").AppendJoin(", ", filter.Values.Select(bind)).Append(')');
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(filter), filter.Operator, "unknown filter operator");
        }
        return sql.ToString();
    }
}
