using System.Text;
using Ladle.Core.Model;
using Ladle.Core.Queries;
using Ladle.Core.Sql;

namespace Ladle.Engine.Sql;

/// <summary>
/// Compiles a <see cref="RowsQuery"/> into one SELECT for the engine that holds the data: projection, filters,
/// order and page all run there. Column names come only from the dataset's schema and are quoted; values are
/// bound as parameters, so nothing from a request is ever spliced into the text.
/// </summary>
public static class SelectBuilder
{
    /// <param name="precomputedMasks">Masked columns whose masked form <paramref name="relation"/> already holds, and the column holding it (see <see cref="Store.MaskedVersions"/>).</param>
    /// <param name="sharedParameters">Values bound so far by the statement this select is part of: its placeholders number after them.</param>
    public static SqlStatement Build(SqlDialect dialect, string relation, DatasetSchema schema, RowsQuery query, IReadOnlyList<string> primaryKey,
        IReadOnlyDictionary<string, string>? precomputedMasks = null, SqlParameters? sharedParameters = null)
    {
        // Shared: the select is part of a bigger statement whose other values are bound before (a pushed-down SQL statement).
        var parameters = sharedParameters ?? new SqlParameters(dialect);
        var columns = query.Columns.Count > 0 ? query.Columns : schema.Names.ToList();
        string? keyPlaceholder = null;

        string Column(string name) => dialect.Quote(Canonical(schema, name));
        string Masked(string name, MaskKind mask) =>
            precomputedMasks is not null && precomputedMasks.TryGetValue(name, out var precomputed)
                ? dialect.Quote(precomputed)
                : MaskedValue(dialect, schema, name, mask, query, parameters, ref keyPlaceholder);
        // A masked column orders by its masked value, never by the clear one.
        string SortKey(SortKey key) =>
            dialect.OrderKey(query.Masks.TryGetValue(key.Column, out var mask) ? Masked(key.Column, mask) : Column(key.Column), key.Descending);

        var projection = string.Join(", ", columns.Select(c => query.Masks.TryGetValue(c, out var mask) ? $"{Masked(c, mask)} AS {Column(c)}" : Column(c)));
        var where = dialect.RenderWhere(query.Filters, query.PolicyFilters, f => Column(f.Column), parameters);
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
                $"SELECT {projection} FROM (SELECT * FROM {relation} AS t{where}{orderBy}{page}) AS t{orderBy}", parameters.Values);
        }
        return new SqlStatement($"SELECT {projection} FROM {relation} AS t{where}{orderBy}{page}", parameters.Values);
    }

    /// <summary>
    /// The masked value of one column as the principal sees it; the hash key is bound once per statement, on first use.
    /// Every masked column of a rows query is rendered here.
    /// </summary>
    private static string MaskedValue(SqlDialect dialect, DatasetSchema schema, string column, MaskKind mask, RowsQuery query,
        SqlParameters parameters, ref string? keyPlaceholder)
    {
        if (mask == MaskKind.Hash)
            keyPlaceholder ??= parameters.Bind(query.MaskKey ?? throw new InvalidOperationException("a hash mask needs a key"));
        return dialect.Mask(mask, dialect.Quote(Canonical(schema, column)), schema.Find(column)?.Type ?? LadleType.String, keyPlaceholder ?? "NULL");
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

    // Requests match columns case-insensitively; the engine gets the name as the schema spells it.
    private static string Canonical(DatasetSchema schema, string column) => schema.Find(column)?.Name ?? column;
}
