using System.Globalization;
using System.Text.Json.Nodes;
using Ladle.Core.Plans;

namespace Ladle.Engine.SqlGateway;

/// <summary>
/// Where the values a checked statement filters, groups or joins on come from: each column reference in such a
/// position is bound, as the engine's binder would, to the relation in scope that holds it, and followed through
/// aliases, expressions, subqueries, CTEs and set operations down to the dataset columns it is computed from. The
/// pipeline refuses the statement when one of them is masked for the principal, as REST refuses a filter on one;
/// a column of the same name in another relation is not that column.
/// </summary>
/// <remarks>
/// Binding follows SQL's rules closely enough for the statements clients send (qualified names, unqualified ones by
/// the FROM item that has them, correlated references to outer queries, select-list aliases and ordinals in GROUP
/// BY). Where it cannot tell (a lambda's parameter, a name no relation in scope lists), the reference stays a bare
/// name (<see cref="SqlColumnOrigin.Dataset"/> null), which any read dataset masking a column of that name refuses:
/// doubt refuses, it never serves.
/// </remarks>
internal sealed class SqlColumnOrigins
{
    /// <summary>Properties whose expressions filter, group or join rows.</summary>
    private static readonly HashSet<string> ConditionProperties = new(StringComparer.Ordinal)
    {
        "where_clause", "having", "qualify", "condition", "partitions", "filter",
    };

    /// <summary>Aggregates that GROUP BY ALL does not group by (the usual ones; anything else in the list is taken as grouped, which errs towards refusing).</summary>
    private static readonly HashSet<string> Aggregates = new(StringComparer.OrdinalIgnoreCase)
    {
        "count", "count_star", "sum", "avg", "mean", "min", "max", "any_value", "first", "last", "arg_min", "arg_max", "string_agg", "list", "array_agg",
        "median", "mode", "quantile", "quantile_cont", "quantile_disc", "stddev", "stddev_pop", "stddev_samp", "variance", "var_pop", "var_samp",
        "bool_and", "bool_or", "bit_and", "bit_or", "approx_count_distinct", "histogram", "product", "sum_no_overflow", "fsum", "favg",
    };

    private readonly Func<string, IReadOnlyList<string>?> _columnsOf;
    private readonly HashSet<SqlColumnOrigin> _conditions = [];

    private SqlColumnOrigins(Func<string, IReadOnlyList<string>?> columnsOf) => _columnsOf = columnsOf;

    /// <summary>
    /// The dataset columns (and, where binding could not tell, bare names) the statement's conditions read.
    /// <paramref name="statement"/> is a checked statement (<c>{"node": …}</c>, dataset references marked);
    /// <paramref name="columnsOf"/> gives a dataset's served columns (null: unknown, then any name may be one of them).
    /// </summary>
    public static IReadOnlyList<SqlColumnOrigin> Of(JsonObject statement, Func<string, IReadOnlyList<string>?> columnsOf)
    {
        var origins = new SqlColumnOrigins(columnsOf);
        origins.Statement(statement, null, Ctes.Empty);
        return [.. origins._conditions];
    }

    private Relation Statement(JsonNode? statement, Scope? outer, Ctes ctes) =>
        statement is JsonObject s && s["node"] is JsonObject node ? Query(node, outer, ctes) : Relation.Nothing;

    private Relation Query(JsonObject node, Scope? outer, Ctes ctes)
    {
        if (node["cte_map"]?["map"] is JsonArray map)
            foreach (var entry in map)
            {
                var name = entry?["key"]?.GetValue<string>() ?? "";
                var definition = entry?["value"] as JsonObject;
                var query = definition?["query"];
                var aliases = definition?["aliases"] as JsonArray;
                Relation relation;
                if (query?["node"]?["type"]?.GetValue<string>() == "RECURSIVE_CTE_NODE")
                {
                    // Its rows feed its own recursive part: twice round carries what the anchor reads into the rest.
                    relation = Relation.Nothing;
                    for (var round = 0; round < 3; round++) relation = Statement(query, outer, ctes.With(name, relation)).Renamed(aliases);
                }
                else relation = Statement(query, outer, ctes).Renamed(aliases);
                ctes = ctes.With(name, relation);
            }
        switch (Text(node, "type"))
        {
            case "SELECT_NODE":
                return Select(node, outer, ctes);
            case "SET_OPERATION_NODE" or "RECURSIVE_CTE_NODE":
                var parts = new List<Relation>();
                if (node["left"] is JsonObject left) parts.Add(Query(left, outer, ctes));
                if (node["right"] is JsonObject right) parts.Add(Query(right, outer, ctes));
                foreach (var child in node["children"] as JsonArray ?? []) if (child is JsonObject c) parts.Add(Query(c, outer, ctes));
                return Relation.Positional(parts);
            case "CTE_NODE":
                if (node["query"] is JsonObject cteQuery) Query(cteQuery, outer, ctes);
                return node["child"] is JsonObject cteChild ? Query(cteChild, outer, ctes) : Relation.Nothing;
            default:
                // A node kind not known here: everything it mentions counts, as a condition.
                var all = Expression(node, new Scope(outer, ctes), true);
                return Relation.Open(_ => all);
        }
    }

    private Relation Select(JsonObject node, Scope? outer, Ctes ctes)
    {
        var scope = new Scope(outer, ctes);
        if (node["from_table"] is JsonObject from) From(from, scope);
        var outputs = new List<(string Name, HashSet<SqlColumnOrigin> Origins)>();
        Func<string, HashSet<SqlColumnOrigin>>? open = null;
        var grouped = new List<HashSet<SqlColumnOrigin>>();
        foreach (var entry in (node["select_list"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (Text(entry, "class") == "STAR")
            {
                var starred = Star(entry, scope, ref open);
                outputs.AddRange(starred);
                grouped.AddRange(starred.Select(s => s.Origins));
                continue;
            }
            var origins = Expression(entry, scope, false);
            var alias = Text(entry, "alias");
            var name = alias.Length > 0 ? alias
                : Text(entry, "class") == "COLUMN_REF" && entry["column_names"] is JsonArray { Count: > 0 } names ? names[^1]!.GetValue<string>() : "";
            outputs.Add((name, origins));
            if (!(Text(entry, "class") is "FUNCTION" or "AGGREGATE" && Aggregates.Contains(Text(entry, "function_name")))) grouped.Add(origins);
        }
        scope.Outputs = outputs;
        foreach (var (key, value) in node)
            if (key is "where_clause" or "having" or "qualify") Expression(value, scope, true);
        foreach (var group in node["group_expressions"] as JsonArray ?? [])
        {
            if (group is JsonObject { } g && Text(g, "class") == "CONSTANT" && Ordinal(g) is { } position)
            {
                if (position >= 1 && position <= outputs.Count) Condition(outputs[position - 1].Origins);
                continue;
            }
            Expression(group, scope, true);
        }
        // GROUP BY ALL groups by every selected expression that is not an aggregate.
        if (Text(node, "aggregate_handling") == "FORCE_AGGREGATES")
            foreach (var origins in grouped) Condition(origins);
        foreach (var (key, value) in node)
            if (key is "modifiers") Expression(value, scope, false);
        return new Relation(outputs, open);
    }

    /// <summary>A * (or t.*, COLUMNS(*)): the columns of the FROM items it names, less those excluded.</summary>
    private List<(string Name, HashSet<SqlColumnOrigin> Origins)> Star(JsonObject star, Scope scope, ref Func<string, HashSet<SqlColumnOrigin>>? open)
    {
        var relationName = Text(star, "relation_name");
        var excluded = new HashSet<string>((star["exclude_list"] as JsonArray ?? []).Select(e => e is JsonValue v && v.TryGetValue<string>(out var s) ? s : e?["column_names"]?.AsArray().LastOrDefault()?.GetValue<string>() ?? ""),
            StringComparer.OrdinalIgnoreCase);
        var replaced = new Dictionary<string, HashSet<SqlColumnOrigin>>(StringComparer.OrdinalIgnoreCase);
        foreach (var replace in star["replace_list"] as JsonArray ?? [])
            if (replace?["key"]?.GetValue<string>() is { } key) replaced[key] = Expression(replace["value"], scope, false);
        // COLUMNS('regex') or COLUMNS(lambda): any column may be picked, so every one counts.
        if (star["expr"] is JsonObject expr) Expression(expr, scope, false);
        var columns = new List<(string, HashSet<SqlColumnOrigin>)>();
        foreach (var (alias, relation) in scope.From)
        {
            if (relationName.Length > 0 && !string.Equals(alias, relationName, StringComparison.OrdinalIgnoreCase)) continue;
            foreach (var (name, origins) in relation.Columns)
                if (!excluded.Contains(name)) columns.Add((name, replaced.TryGetValue(name, out var instead) ? Union(origins, instead) : origins));
            if (relation.OpenColumns is { } more)
            {
                var before = open;
                open = before is null ? more : name => Union(before(name), more(name));
            }
        }
        return columns;
    }

    private void From(JsonObject table, Scope scope)
    {
        var alias = Text(table, "alias");
        var renames = table["column_name_alias"] as JsonArray;
        switch (Text(table, "type"))
        {
            case "BASE_TABLE":
                var name = Text(table, "table_name");
                Relation relation;
                if (Text(table, "schema_name") == SqlTreeChecker.DatasetMarker) relation = Dataset(name);
                else if (Text(table, "schema_name").Length == 0 && Text(table, "catalog_name").Length == 0 && scope.Ctes.Find(name) is { } cte) relation = cte;
                else relation = Relation.Open(_ => []);
                scope.From.Add((alias.Length > 0 ? alias : name, relation.Renamed(renames)));
                return;
            case "JOIN":
                if (table["left"] is JsonObject left) From(left, scope);
                if (table["right"] is JsonObject right) From(right, scope);
                if (table["condition"] is JsonNode condition) Expression(condition, scope, true);
                foreach (var column in table["using_columns"] as JsonArray ?? [])
                    if (column?.GetValue<string>() is { } used) Condition(scope.Resolve([used]));
                return;
            case "SUBQUERY":
                // A subquery in FROM sees the items before it (LATERAL) and the outer queries.
                var inner = Statement(table["subquery"], scope, scope.Ctes).Renamed(renames);
                scope.From.Add((alias, inner));
                return;
            case "TABLE_FUNCTION":
                var arguments = Expression(table["function"], scope, false);
                var named = (renames ?? []).Select(r => (r?.GetValue<string>() ?? "", arguments)).ToList();
                scope.From.Add((alias, new Relation(named, _ => arguments)));
                return;
            case "EXPRESSION_LIST":
                var columns = new List<(string, HashSet<SqlColumnOrigin>)>();
                foreach (var row in table["values"] as JsonArray ?? [])
                {
                    var i = 0;
                    foreach (var value in row as JsonArray ?? [])
                    {
                        var origins = Expression(value, scope, false);
                        if (i < columns.Count) columns[i] = (columns[i].Item1, Union(columns[i].Item2, origins));
                        else columns.Add(("col" + i.ToString(CultureInfo.InvariantCulture), origins));
                        i++;
                    }
                }
                scope.From.Add((alias, new Relation(columns, null).Renamed(renames)));
                return;
            case "EMPTY":
                return;
            default:
                // PIVOT and kinds not known here: whatever it reads may come out under any name, and counts as a condition.
                var everything = Expression(table, scope, true);
                scope.From.Add((alias, Relation.Open(_ => everything)));
                return;
        }
    }

    private Relation Dataset(string name)
    {
        var origins = (string column) => new HashSet<SqlColumnOrigin> { new(name, column) };
        return _columnsOf(name) is { } columns
            ? new Relation([.. columns.Select(c => (c, origins(c)))], null)
            : Relation.Open(origins);
    }

    /// <summary>The origins of what an expression computes; references in condition positions are recorded on the way.</summary>
    private HashSet<SqlColumnOrigin> Expression(JsonNode? node, Scope scope, bool condition)
    {
        var found = new HashSet<SqlColumnOrigin>();
        switch (node)
        {
            case JsonArray array:
                foreach (var item in array) found.UnionWith(Expression(item, scope, condition));
                break;
            case JsonObject obj when Text(obj, "class") == "COLUMN_REF" && obj["column_names"] is JsonArray { Count: > 0 } names:
                found = scope.Resolve([.. names.Select(n => n!.GetValue<string>())]);
                if (condition) Condition(found);
                break;
            case JsonObject obj when Text(obj, "class") == "SUBQUERY":
                var relation = Statement(obj["subquery"], scope, scope.Ctes);
                var output = relation.AllOrigins();
                // IN (SELECT …) and a scalar subquery compare what the subquery answers; EXISTS only asks whether it has rows.
                if (condition && Text(obj, "subquery_type") != "EXISTS") Condition(output);
                found.UnionWith(output);
                if (obj["child"] is JsonNode child) found.UnionWith(Expression(child, scope, condition));
                break;
            case JsonObject obj when obj.ContainsKey("node") && obj["node"] is JsonObject:
                found.UnionWith(Statement(obj, scope, scope.Ctes).AllOrigins());
                break;
            case JsonObject obj:
                foreach (var (key, value) in obj)
                    if (value is JsonObject or JsonArray) found.UnionWith(Expression(value, scope, condition || ConditionProperties.Contains(key)));
                break;
        }
        return found;
    }

    private void Condition(HashSet<SqlColumnOrigin> origins) => _conditions.UnionWith(origins);

    private static int? Ordinal(JsonObject constant) =>
        constant["value"]?["value"] is JsonValue v && v.TryGetValue<int>(out var i) ? i
        : constant["value"]?["value"] is JsonValue l && l.TryGetValue<long>(out var n) && n is >= 0 and <= int.MaxValue ? (int)n
        : null;

    private static HashSet<SqlColumnOrigin> Union(HashSet<SqlColumnOrigin> a, HashSet<SqlColumnOrigin> b)
    {
        var union = new HashSet<SqlColumnOrigin>(a);
        union.UnionWith(b);
        return union;
    }

    private static string Text(JsonObject? node, string property) =>
        node?[property] is JsonValue value && value.TryGetValue<string>(out var text) ? text : "";

    /// <summary>A relation's columns by name and what each is computed from; <see cref="OpenColumns"/>: it may hold columns not listed (their origins by name).</summary>
    private sealed class Relation(List<(string Name, HashSet<SqlColumnOrigin> Origins)> columns, Func<string, HashSet<SqlColumnOrigin>>? openColumns)
    {
        public static Relation Nothing { get; } = new([], null);

        public List<(string Name, HashSet<SqlColumnOrigin> Origins)> Columns { get; } = columns;

        public Func<string, HashSet<SqlColumnOrigin>>? OpenColumns { get; } = openColumns;

        public static Relation Open(Func<string, HashSet<SqlColumnOrigin>> origins) => new([], origins);

        /// <summary>The origins of a column of this name; null when the relation has none such.</summary>
        public HashSet<SqlColumnOrigin>? Find(string name)
        {
            HashSet<SqlColumnOrigin>? found = null;
            foreach (var (column, origins) in Columns)
                if (string.Equals(column, name, StringComparison.OrdinalIgnoreCase)) found = found is null ? origins : Union(found, origins);
            return found ?? OpenColumns?.Invoke(name);
        }

        public HashSet<SqlColumnOrigin> AllOrigins()
        {
            var all = new HashSet<SqlColumnOrigin>();
            foreach (var (_, origins) in Columns) all.UnionWith(origins);
            // Columns it may have beyond those listed: what a reference by their name would read is unknown here.
            if (OpenColumns is { } open) all.UnionWith(open(""));
            return all;
        }

        /// <summary>The relation with its first columns named as <c>t(a, b)</c> or a CTE's aliases say.</summary>
        public Relation Renamed(JsonArray? names)
        {
            if (names is not { Count: > 0 }) return this;
            var renamed = new List<(string, HashSet<SqlColumnOrigin>)>(Columns);
            for (var i = 0; i < names.Count && i < renamed.Count; i++) renamed[i] = (names[i]?.GetValue<string>() ?? "", renamed[i].Item2);
            // Names beyond the known columns (an open relation's) are not bound to any origin here: they stay open.
            return new Relation(renamed, OpenColumns);
        }

        /// <summary>A set operation's answer: each column from the same position of every part.</summary>
        public static Relation Positional(List<Relation> parts)
        {
            if (parts.Count == 0) return Nothing;
            var columns = new List<(string, HashSet<SqlColumnOrigin>)>(parts[0].Columns);
            Func<string, HashSet<SqlColumnOrigin>>? open = parts[0].OpenColumns;
            foreach (var part in parts.Skip(1))
            {
                for (var i = 0; i < columns.Count && i < part.Columns.Count; i++) columns[i] = (columns[i].Item1, Union(columns[i].Item2, part.Columns[i].Origins));
                // A part whose columns are not all known: what it adds could sit in any position.
                if (part.OpenColumns is not null || part.Columns.Count < columns.Count)
                {
                    var all = part.AllOrigins();
                    for (var i = 0; i < columns.Count; i++) columns[i] = (columns[i].Item1, Union(columns[i].Item2, all));
                }
            }
            return new Relation(columns, open);
        }
    }

    /// <summary>The CTEs in scope, by name.</summary>
    private sealed class Ctes
    {
        public static Ctes Empty { get; } = new(null, "", Relation.Nothing);

        private readonly Ctes? _outer;
        private readonly string _name;
        private readonly Relation _relation;

        private Ctes(Ctes? outer, string name, Relation relation)
        {
            _outer = outer;
            _name = name;
            _relation = relation;
        }

        public Ctes With(string name, Relation relation) => new(this, name, relation);

        public Relation? Find(string name)
        {
            for (var c = this; c is not null && c._outer is not null; c = c._outer)
                if (string.Equals(c._name, name, StringComparison.OrdinalIgnoreCase)) return c._relation;
            return null;
        }
    }

    /// <summary>One query's FROM items and select list, inside the queries around it.</summary>
    private sealed class Scope(Scope? outer, Ctes ctes)
    {
        public Ctes Ctes { get; } = ctes;

        public List<(string Alias, Relation Relation)> From { get; } = [];

        public List<(string Name, HashSet<SqlColumnOrigin> Origins)>? Outputs { get; set; }

        /// <summary>What a column reference reads: bound as the engine would, else a bare name.</summary>
        public HashSet<SqlColumnOrigin> Resolve(IReadOnlyList<string> names)
        {
            // What relations whose columns are not all known could read under this name: each may hold it, and so may
            // an outer query; all of it counts unless a relation that lists the column binds it.
            HashSet<SqlColumnOrigin>? maybe = null;
            for (var scope = this; scope is not null; scope = scope._outer)
            {
                // t.c (or schema.t.c) first, then a.c.field (a struct's field).
                if (names.Count >= 2 && (scope.Qualified(names[^2], names[^1]) ?? scope.Qualified(names[0], names[1])) is { } qualified)
                    return maybe is null ? qualified : Union(maybe, qualified);
                if (scope.Unqualified(names[0], ref maybe) is { } unqualified) return maybe is null ? unqualified : Union(maybe, unqualified);
            }
            var bare = new HashSet<SqlColumnOrigin> { new(null, names.Count >= 2 ? names[^1] : names[0]), new(null, names[0]) };
            return maybe is null ? bare : Union(maybe, bare);
        }

        private readonly Scope? _outer = outer;

        private HashSet<SqlColumnOrigin>? Qualified(string alias, string column)
        {
            foreach (var (name, relation) in From)
                if (string.Equals(name, alias, StringComparison.OrdinalIgnoreCase))
                    return relation.Find(column) ?? [];
            return null;
        }

        private HashSet<SqlColumnOrigin>? Unqualified(string column, ref HashSet<SqlColumnOrigin>? maybe)
        {
            HashSet<SqlColumnOrigin>? found = null;
            foreach (var (_, relation) in From)
                if (relation.Columns.Any(c => string.Equals(c.Name, column, StringComparison.OrdinalIgnoreCase)))
                    found = found is null ? relation.Find(column) : Union(found, relation.Find(column)!);
            if (found is not null) return found;
            foreach (var (_, relation) in From)
                if (relation.OpenColumns is { } open)
                    maybe = maybe is null ? open(column) : Union(maybe, open(column));
            // WHERE and GROUP BY may name a select-list alias.
            if (Outputs is { } outputs)
                foreach (var (name, origins) in outputs)
                    if (string.Equals(name, column, StringComparison.OrdinalIgnoreCase)) return origins;
            return null;
        }
    }
}
