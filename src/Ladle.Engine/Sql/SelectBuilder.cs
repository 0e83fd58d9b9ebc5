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
    /// <param name="precomputedMasks">Masked columns whose masked form <paramref name="relation"/> already holds, and the column holding it (see <see cref="Store.MaskedVersions"/>).</param>
    public static SqlStatement Build(SqlDialect dialect, string relation, DatasetSchema schema, RowsQuery query, IReadOnlyList<string> primaryKey,
        IReadOnlyDictionary<string, string>? precomputedMasks = null)
    {
        var parameters = new List<object>();
        var columns = query.Columns.Count > 0 ? query.Columns : schema.Names.ToList();
        string? keyPlaceholder = null;

        string Column(string name) => dialect.Quote(Canonical(schema, name));
        string Masked(string name, MaskKind mask)
        {
            if (precomputedMasks is not null && precomputedMasks.TryGetValue(name, out var precomputed)) return dialect.Quote(precomputed);
            if (mask == MaskKind.Hash && keyPlaceholder is null)
            {
                parameters.Add(query.MaskKey ?? throw new InvalidOperationException("a hash mask needs a key"));
                keyPlaceholder = dialect.Placeholder(parameters.Count - 1);
            }
            return dialect.Mask(mask, Column(name), schema.Find(name)?.Type ?? LadleType.String, keyPlaceholder ?? "NULL");
        }
        // A masked column orders by its masked value, never by the clear one.
        string SortKey(SortKey key) =>
            (query.Masks.TryGetValue(key.Column, out var mask) ? Masked(key.Column, mask) : Column(key.Column)) + (key.Descending ? " DESC" : " ASC");

        var projection = string.Join(", ", columns.Select(c => query.Masks.TryGetValue(c, out var mask) ? $"{Masked(c, mask)} AS {Column(c)}" : Column(c)));
        var where = Where(dialect, schema, query, parameters);
        var order = OrderFor(schema, query, primaryKey, columns);
        var orderBy = order.Count > 0 ? " ORDER BY " + string.Join(", ", order.Select(SortKey)) : "";
        var page = new StringBuilder();
        if (query.Limit is { } limit) page.Append(" LIMIT ").Append(limit);
        if (query.Offset > 0)
        {
            if (query.Limit is null && dialect == SqlDialect.Sqlite) page.Append(" LIMIT -1");
            page.Append(" OFFSET ").Append(query.Offset);
        }

        var masked = columns.Any(query.Masks.ContainsKey);
        if (masked && page.Length > 0)
        {
            // Cut the page first, then mask only its rows: hashing every matching row to keep a thousand is waste.
            return new SqlStatement(
                $"SELECT {projection} FROM (SELECT * FROM {relation} AS t{where}{orderBy}{page}) AS t{orderBy}", parameters);
        }
        return new SqlStatement($"SELECT {projection} FROM {relation} AS t{where}{orderBy}{page}", parameters);
    }

    private static string Where(SqlDialect dialect, DatasetSchema schema, RowsQuery query, List<object> parameters)
    {
        var sql = new StringBuilder();
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
        return sql.ToString();
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
