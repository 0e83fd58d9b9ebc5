using System.Text;
using Ladle.Core.Model;
using Ladle.Core.Queries;

namespace Ladle.Engine.Sql;

/// <summary>
/// Compiles a <see cref="RowsQuery"/> into one SELECT for the engine that holds the data: projection, filters,
/// order and page all run there. Column names come only from the dataset's schema and are quoted; values are
/// bound as parameters, so nothing from a request is ever spliced into the text.
/// </summary>
public static class SelectBuilder
{
    public static SqlStatement Build(SqlDialect dialect, string relation, DatasetSchema schema, RowsQuery query, IReadOnlyList<string> primaryKey)
    {
        var parameters = new List<object>();
        var sql = new StringBuilder("SELECT ");
        var columns = query.Columns.Count > 0 ? query.Columns : schema.Names.ToList();
        string? keyPlaceholder = null;
        sql.AppendJoin(", ", columns.Select(c =>
        {
            var name = dialect.Quote(Canonical(schema, c));
            if (!query.Masks.TryGetValue(c, out var mask)) return name;
            if (mask == MaskKind.Hash && keyPlaceholder is null)
            {
                parameters.Add(query.MaskKey ?? throw new InvalidOperationException("a hash mask needs a key"));
                keyPlaceholder = dialect.Placeholder(parameters.Count - 1);
            }
            return $"{dialect.Mask(mask, name, schema.Find(c)?.Type ?? LadleType.String, keyPlaceholder ?? "")} AS {name}";
        }).ToList());
        sql.Append(" FROM ").Append(relation).Append(" AS t");

        var clauses = 0;
        foreach (var filter in query.Filters)
        {
            sql.Append(clauses++ == 0 ? " WHERE " : " AND ");
            AppendFilter(sql, dialect, schema, filter, parameters);
        }
        if (query.PolicyFilters.Count > 0)
        {
            // The principal's row filters: visible when every condition of at least one grant holds.
            sql.Append(clauses++ == 0 ? " WHERE (" : " AND (");
            for (var g = 0; g < query.PolicyFilters.Count; g++)
            {
                if (g > 0) sql.Append(" OR ");
                sql.Append('(');
                for (var f = 0; f < query.PolicyFilters[g].Count; f++)
                {
                    if (f > 0) sql.Append(" AND ");
                    AppendFilter(sql, dialect, schema, query.PolicyFilters[g][f], parameters);
                }
                if (query.PolicyFilters[g].Count == 0) sql.Append("1 = 1");
                sql.Append(')');
            }
            sql.Append(')');
        }

        var order = OrderFor(schema, query, primaryKey, columns);
        if (order.Count > 0)
        {
            // A masked column orders by its masked value (its output column), never by the clear one.
            sql.Append(" ORDER BY ");
            sql.AppendJoin(", ", order.Select(o =>
                (query.Masks.TryGetValue(o.Column, out var mask)
                    ? (columns.Contains(o.Column, StringComparer.OrdinalIgnoreCase) ? dialect.Quote(Canonical(schema, o.Column)) : dialect.Mask(mask, dialect.Quote(Canonical(schema, o.Column)), schema.Find(o.Column)?.Type ?? LadleType.String, keyPlaceholder ?? "NULL"))
                    : dialect.Quote(Canonical(schema, o.Column))) + (o.Descending ? " DESC" : " ASC")));
        }
        if (query.Limit is { } limit) sql.Append(" LIMIT ").Append(limit);
        if (query.Offset > 0)
        {
            if (query.Limit is null) sql.Append(dialect == SqlDialect.Sqlite ? " LIMIT -1" : "");
            sql.Append(" OFFSET ").Append(query.Offset);
        }
        return new SqlStatement(sql.ToString(), parameters);
    }

    /// <summary>
    /// The requested order, made total when the query pages: the primary key (or every column) breaks ties,
    /// so page N+1 starts exactly where page N stopped.
    /// </summary>
    internal static IReadOnlyList<SortKey> OrderFor(DatasetSchema schema, RowsQuery query, IReadOnlyList<string> primaryKey, IReadOnlyList<string> projection)
    {
        if (query.Limit is null && query.Offset == 0) return query.Order;
        var order = query.Order.ToList();
        var tiebreak = primaryKey.Count > 0 ? primaryKey : schema.Names.ToList();
        foreach (var column in tiebreak)
            if (!order.Any(o => string.Equals(o.Column, column, StringComparison.OrdinalIgnoreCase)))
                order.Add(new SortKey(column, false));
        return order;
    }

    private static void AppendFilter(StringBuilder sql, SqlDialect dialect, DatasetSchema schema, Filter filter, List<object> parameters)
    {
        var column = dialect.Quote(Canonical(schema, filter.Column));
        string Bind(object value)
        {
            parameters.Add(value);
            return dialect.Placeholder(parameters.Count - 1);
        }
        switch (filter.Operator)
        {
            case FilterOperator.Eq: sql.Append(column).Append(" = ").Append(Bind(filter.Values[0])); break;
            case FilterOperator.Ne: sql.Append(column).Append(" <> ").Append(Bind(filter.Values[0])); break;
            case FilterOperator.Lt: sql.Append(column).Append(" < ").Append(Bind(filter.Values[0])); break;
            case FilterOperator.Le: sql.Append(column).Append(" <= ").Append(Bind(filter.Values[0])); break;
            case FilterOperator.Gt: sql.Append(column).Append(" > ").Append(Bind(filter.Values[0])); break;
            case FilterOperator.Ge: sql.Append(column).Append(" >= ").Append(Bind(filter.Values[0])); break;
            case FilterOperator.Like: sql.Append(column).Append(" LIKE ").Append(Bind(filter.Values[0])); break;
            case FilterOperator.IsNull: sql.Append(column).Append(" IS NULL"); break;
            case FilterOperator.NotNull: sql.Append(column).Append(" IS NOT NULL"); break;
            case FilterOperator.Between:
                sql.Append(column).Append(" BETWEEN ").Append(Bind(filter.Values[0])).Append(" AND ").Append(Bind(filter.Values[1]));
                break;
            case FilterOperator.In:
                sql.Append(column).Append(" IN (").AppendJoin(", ", filter.Values.Select(Bind)).Append(')');
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(filter), filter.Operator, "unknown filter operator");
        }
    }

    // Requests match columns case-insensitively; the engine gets the name as the schema spells it.
    private static string Canonical(DatasetSchema schema, string column) => schema.Find(column)?.Name ?? column;
}
