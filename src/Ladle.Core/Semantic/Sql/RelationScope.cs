using Ladle.Core.Queries;
using Ladle.Core.Sql;

namespace Ladle.Core.Semantic.Sql;

/// <summary>
/// One relation of a node's FROM: the model's rows (alias b) or a joined model deduplicated on its key (j1, j2, …).
/// Each is a subquery over its dataset alone, so expressions written in the model (which name their dataset's
/// columns bare) are evaluated where those names mean one thing; the node only reads the columns it asked for.
/// </summary>
internal sealed class RelationScope
{
    private readonly List<(string Expression, string Alias)> _columns = [];
    private readonly string? _on;

    public RelationScope(SqlDialect dialect, string alias, SemanticModel model, RelationScope? parent, JoinHop? hop)
    {
        Alias = alias;
        Model = model;
        Parent = parent;
        Hop = hop;
        // The parent must carry the join keys before it is rendered, so they are asked for now.
        if (hop is not null)
            _on = string.Join(" AND ", hop.FromEntity.Columns.Select((c, i) =>
                $"{parent!.Need(dialect, Column(dialect, c))} = {dialect.Quote(alias)}.{dialect.Quote("k" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))}"));
    }

    public string Alias { get; }
    public SemanticModel Model { get; }
    public RelationScope? Parent { get; }

    /// <summary>How this relation is reached from its parent; null for the model's own rows.</summary>
    public JoinHop? Hop { get; }

    /// <summary>A column of this relation for an expression over its dataset (quoted as <c>"s"."col"</c> or bare SQL).</summary>
    public string Need(SqlDialect dialect, string expression)
    {
        var existing = _columns.FindIndex(c => c.Expression == expression);
        if (existing < 0)
        {
            _columns.Add((expression, "c" + _columns.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            existing = _columns.Count - 1;
        }
        return $"{dialect.Quote(Alias)}.{dialect.Quote(_columns[existing].Alias)}";
    }

    /// <summary>The dataset column as an expression inside this relation's subquery.</summary>
    public static string Column(SqlDialect dialect, string column) => $"{dialect.Quote("s")}.{dialect.Quote(column)}";

    /// <summary>The subquery and, for joined relations, the join condition.</summary>
    public string Render(SqlDialect dialect, string relation, IReadOnlyList<IReadOnlyList<Filter>> rowFilters, SqlParameters parameters)
    {
        var where = dialect.RenderRowFilter(rowFilters, f => Column(dialect, f.Column), parameters) is { } condition ? " WHERE " + condition : "";
        if (Hop is null)
        {
            var select = _columns.Count == 0 ? "1 AS \"c0\"" : string.Join(", ", _columns.Select(c => $"{c.Expression} AS {dialect.Quote(c.Alias)}"));
            return $"(SELECT {select} FROM {relation} AS {dialect.Quote("s")}{where}) AS {dialect.Quote(Alias)}";
        }
        // One row per key whatever the data holds: a duplicated key can never multiply the measure's rows.
        var keys = Hop.ToEntity.Columns.Select((c, i) => $"{Column(dialect, c)} AS {dialect.Quote("k" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))}");
        var values = _columns.Select(c => $"{dialect.AnyValue(c.Expression)} AS {dialect.Quote(c.Alias)}");
        var groupBy = string.Join(", ", Hop.ToEntity.Columns.Select(c => Column(dialect, c)));
        return $"LEFT JOIN (SELECT {string.Join(", ", keys.Concat(values))} FROM {relation} AS {dialect.Quote("s")}{where} GROUP BY {groupBy}) AS {dialect.Quote(Alias)} ON {_on}";
    }
}
