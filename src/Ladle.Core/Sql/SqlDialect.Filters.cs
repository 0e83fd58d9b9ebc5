using System.Text;
using Ladle.Core.Queries;

namespace Ladle.Core.Sql;

// The one renderer of typed filters and of a policy's row filters, for rows, metrics and checks alike: security
// code written once. Values always go through SqlParameters; nothing from a request or a principal is spliced.
public abstract partial class SqlDialect
{
    /// <summary>One typed condition over <paramref name="expression"/>, its values bound in <paramref name="parameters"/>.</summary>
    public string RenderFilter(string expression, Filter filter, SqlParameters parameters)
    {
        var sql = new StringBuilder(expression);
        switch (filter.Operator)
        {
            case FilterOperator.Eq: sql.Append(" = ").Append(parameters.Bind(filter.Values[0])); break;
            case FilterOperator.Ne: sql.Append(" <> ").Append(parameters.Bind(filter.Values[0])); break;
            case FilterOperator.Lt: sql.Append(" < ").Append(parameters.Bind(filter.Values[0])); break;
            case FilterOperator.Le: sql.Append(" <= ").Append(parameters.Bind(filter.Values[0])); break;
            case FilterOperator.Gt: sql.Append(" > ").Append(parameters.Bind(filter.Values[0])); break;
            case FilterOperator.Ge: sql.Append(" >= ").Append(parameters.Bind(filter.Values[0])); break;
            case FilterOperator.Like: sql.Append(" LIKE ").Append(parameters.Bind(filter.Values[0])); break;
            case FilterOperator.IsNull: sql.Append(" IS NULL"); break;
            case FilterOperator.NotNull: sql.Append(" IS NOT NULL"); break;
            case FilterOperator.Between:
                sql.Append(" BETWEEN ").Append(parameters.Bind(filter.Values[0])).Append(" AND ").Append(parameters.Bind(filter.Values[1]));
                break;
            case FilterOperator.In:
                sql.Append(" IN (").AppendJoin(", ", filter.Values.Select(parameters.Bind)).Append(')');
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(filter), filter.Operator, "unknown filter operator");
        }
        return sql.ToString();
    }

    /// <summary>
    /// A policy's row filter: a row shows when every condition of at least one group holds (one group per grant that
    /// reaches the data; an empty group lets every row through). <paramref name="expressionOf"/> gives the expression
    /// a condition's column reads as where the filter applies. One self-contained condition, or null when there are
    /// no groups (no row filter).
    /// </summary>
    public string? RenderRowFilter(IReadOnlyList<IReadOnlyList<Filter>> groups, Func<Filter, string> expressionOf, SqlParameters parameters)
    {
        if (groups.Count == 0) return null;
        string Group(IReadOnlyList<Filter> group) =>
            group.Count == 0 ? "1 = 1" : string.Join(" AND ", group.Select(f => RenderFilter(expressionOf(f), f, parameters)));
        if (groups.Count == 1) return groups[0].Count > 1 ? "(" + Group(groups[0]) + ")" : Group(groups[0]);
        return "(" + string.Join(" OR ", groups.Select(g => "(" + Group(g) + ")")) + ")";
    }

    /// <summary>
    /// The request's filters and the policy's row filter as one WHERE clause (with its leading space), or empty:
    /// the request's conditions first, so parameters bind in the order the text reads.
    /// </summary>
    public string RenderWhere(IReadOnlyList<Filter> filters, IReadOnlyList<IReadOnlyList<Filter>> rowFilter, Func<Filter, string> expressionOf, SqlParameters parameters)
    {
        var conditions = filters.Select(f => RenderFilter(expressionOf(f), f, parameters)).ToList();
        if (RenderRowFilter(rowFilter, expressionOf, parameters) is { } policy) conditions.Add(policy);
        return conditions.Count == 0 ? "" : " WHERE " + string.Join(" AND ", conditions);
    }
}
