using System.Text.Json.Nodes;

namespace Ladle.Engine.SqlGateway.Catalog;

/// <summary>
/// The PostgreSQL type of each column a statement answers, where PostgreSQL would state one the engine has no type
/// for: a catalog column of type <c>name</c>, <c>"char"</c>, <c>oid</c> or <c>character varying</c> selected as it is
/// (through aliases, subqueries, CTEs, <c>*</c>, <c>nullif</c>/<c>coalesce</c>/<c>min</c>/<c>max</c> and CASE branches
/// that agree), a cast to one of those types or to <c>json</c>, and the catalog functions returning <c>name</c>
/// (<c>current_user</c>, <c>pg_get_userbyid</c>, …). Read from the statement as parsed, before it is rewritten; any
/// other column is null (the engine's own type stands), and so is every column when the answer's width cannot be
/// told (a <c>*</c> over a dataset).
/// </summary>
internal static class PgResultTypes
{
    private static readonly HashSet<string> SameAsFirstArgument = new(StringComparer.Ordinal) { "nullif", "coalesce", "min", "max", "first", "any_value" };

    private static readonly HashSet<string> ReturnsName = new(StringComparer.Ordinal)
    {
        "current_user", "session_user", "current_role", "user", "getpgusername", "current_schema", "current_database", "current_catalog", "pg_get_userbyid",
        "pg_encoding_to_char",
    };

    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal) { "current_user", "session_user", "current_role", "current_schema", "current_catalog" };

    private static readonly HashSet<string> ReturnsJson = new(StringComparer.Ordinal)
    {
        "to_json", "array_to_json", "row_to_json", "json_build_object", "json_build_array", "json_object", "json_array", "json_agg", "json_object_agg",
    };

    private static readonly HashSet<string> CastTypes = new(StringComparer.Ordinal) { "name", "char", "oid", "regclass", "json" };

    /// <summary>A NULL or string literal: PostgreSQL's unknown, which takes the type of what it meets (a CASE's other branches) or else text.</summary>
    public const string Unknown = "unknown";

    /// <summary>One type per column of the statement's answer (null where the engine's stands), or null when unknown.</summary>
    public static IReadOnlyList<string?>? Infer(JsonObject? node)
    {
        var columns = Node(node, new Dictionary<string, JsonObject>(StringComparer.OrdinalIgnoreCase));
        return columns is null || columns.All(c => c.Type is null) ? null : columns.Select(c => c.Type).ToList();
    }

    private sealed record Column(string Name, string? Type);

    /// <summary>A FROM item: its name in the statement and its columns (null when unknown: a dataset, a table function).</summary>
    private sealed record Source(string Name, IReadOnlyList<Column>? Columns);

    private static List<Column>? Node(JsonObject? node, Dictionary<string, JsonObject> ctes)
    {
        switch (Text(node, "type"))
        {
            case "SET_OPERATION_NODE":
                return Node(node!["left"] as JsonObject, ctes);
            case "SELECT_NODE":
                var scope = new Dictionary<string, JsonObject>(ctes, StringComparer.OrdinalIgnoreCase);
                if (node!["cte_map"]?["map"] is JsonArray map)
                    foreach (var entry in map.OfType<JsonObject>())
                        if (entry["value"]?["query"]?["node"] is JsonObject cte) scope[Text(entry, "key")] = cte;
                var sources = new List<Source>();
                From(node["from_table"] as JsonObject, sources, scope);
                var columns = new List<Column>();
                foreach (var item in (node["select_list"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    if (Text(item, "class") == "STAR")
                    {
                        if (item["columns"] is JsonValue c && c.TryGetValue<bool>(out var isColumns) && isColumns) return null;
                        var relation = Text(item, "relation_name");
                        foreach (var source in sources.Where(s => relation.Length == 0 || string.Equals(s.Name, relation, StringComparison.OrdinalIgnoreCase)))
                        {
                            if (source.Columns is null) return null;
                            columns.AddRange(source.Columns);
                        }
                        continue;
                    }
                    columns.Add(new Column(NameOf(item), Expression(item, sources, scope)));
                }
                return columns;
            default:
                return null;
        }
    }

    private static void From(JsonObject? table, List<Source> sources, Dictionary<string, JsonObject> ctes)
    {
        var alias = Text(table, "alias");
        switch (Text(table, "type"))
        {
            case "BASE_TABLE":
                var schema = Text(table, "schema_name").ToLowerInvariant();
                var name = Text(table, "table_name");
                var written = alias.Length > 0 ? alias : name;
                if (schema.Length == 0 && ctes.TryGetValue(name, out var cte))
                {
                    // Inside its own body a non-recursive CTE's name is the relation of that name, as in PostgreSQL.
                    var outer = new Dictionary<string, JsonObject>(ctes, StringComparer.OrdinalIgnoreCase);
                    outer.Remove(name);
                    sources.Add(new Source(written, Node(cte, outer)));
                }
                else
                    sources.Add(new Source(written, Catalog(schema, name.ToLowerInvariant())));
                return;
            case "JOIN":
                From(table!["left"] as JsonObject, sources, ctes);
                From(table["right"] as JsonObject, sources, ctes);
                return;
            case "SUBQUERY":
                var columns = Node(table!["subquery"]?["node"] as JsonObject, ctes);
                if (columns is not null && table["column_name_alias"] is JsonArray renamed)
                    columns = columns.Select((c, i) => i < renamed.Count && renamed[i] is JsonValue v && v.TryGetValue<string>(out var n) ? c with { Name = n } : c).ToList();
                sources.Add(new Source(alias, columns));
                return;
            case "EMPTY":
                return;
            default:
                sources.Add(new Source(alias, null));
                return;
        }
    }

    /// <summary>A catalog relation's columns with their PostgreSQL types; null when the name is not a catalog relation (a dataset).</summary>
    private static List<Column>? Catalog(string schema, string name)
    {
        var qualified = schema switch
        {
            "" or PgCatalogModel.PgCatalogSchema => PgCatalogModel.PgCatalogSchema + "." + name,
            PgCatalogModel.InformationSchema => PgCatalogModel.InformationSchema + "." + name,
            _ => null,
        };
        if (qualified is null || PgRelationShapes.Columns(qualified) is not { } shape) return null;
        return shape.Select(c => new Column(c.Name, PgRelationTypes.Of(qualified, c.Name))).ToList();
    }

    private static string? Expression(JsonObject expression, List<Source> sources, Dictionary<string, JsonObject> ctes)
    {
        switch (Text(expression, "class"))
        {
            case "COLUMN_REF":
                var names = (expression["column_names"] as JsonArray ?? []).Select(n => n?.GetValue<string>() ?? "").ToList();
                if (names.Count == 0) return null;
                var column = names[^1];
                // current_user and its kind are keywords PostgreSQL calls without parentheses: the parser reads them as columns.
                if (names.Count == 1 && Keywords.Contains(column.ToLowerInvariant())) return "name";
                var candidates = names.Count > 1
                    ? sources.Where(s => string.Equals(s.Name, names[^2], StringComparison.OrdinalIgnoreCase)).ToList()
                    : sources;
                // An unqualified name found in a relation of unknown columns may be that relation's: then nothing is known.
                if (names.Count == 1 && candidates.Any(s => s.Columns is null)) return null;
                return candidates.SelectMany(s => s.Columns ?? []).FirstOrDefault(c => string.Equals(c.Name, column, StringComparison.OrdinalIgnoreCase))?.Type;
            case "CAST":
                var type = expression["cast_type"] as JsonObject;
                var typeName = Text(type?["type_info"] as JsonObject, "name").ToLowerInvariant();
                if (Text(type, "id") == "UNBOUND" && CastTypes.Contains(typeName)) return typeName;
                return null;
            case "FUNCTION":
                var function = Text(expression, "function_name").ToLowerInvariant();
                var arguments = (expression["children"] as JsonArray ?? []).OfType<JsonObject>().ToList();
                if (SameAsFirstArgument.Contains(function) && arguments.Count > 0)
                    return Expression(arguments[0], sources, ctes) is var first && first == Unknown ? null : first;
                if (ReturnsName.Contains(function)) return "name";
                return ReturnsJson.Contains(function) ? "json" : null;
            case "OPERATOR" when Text(expression, "type") == "OPERATOR_COALESCE":
                var head = (expression["children"] as JsonArray)?.FirstOrDefault() is JsonObject child ? Expression(child, sources, ctes) : null;
                return head == Unknown ? null : head;
            case "CASE":
                // Literal branches take the type of the others ('a' ELSE typtype is "char"); literals alone are text, the engine's.
                var results = (expression["case_checks"] as JsonArray ?? []).OfType<JsonObject>().Select(c => c["then_expr"] as JsonObject)
                    .Append(expression["else_expr"] as JsonObject)
                    .Where(e => e is not null && !IsLiteral(e)).Select(e => Expression(e!, sources, ctes)).Distinct().ToList();
                return results.Count == 1 ? results[0] : null;
            case "CONSTANT":
                // A bare NULL is unknown, which PostgreSQL answers as text (the engine's NULL is an INTEGER).
                return IsNull(expression) ? Unknown : null;
            case "SUBQUERY":
                var selected = Node(expression["subquery"]?["node"] as JsonObject, ctes);
                return selected is [var only] ? only.Type : null;
            default:
                return null;
        }
    }

    private static bool IsLiteral(JsonObject expression) =>
        IsNull(expression) || Text(expression, "class") == "CONSTANT" && expression["value"]?["type"]?["id"]?.GetValue<string>() == "VARCHAR";

    private static bool IsNull(JsonObject expression) =>
        Text(expression, "class") == "CONSTANT" && expression["value"]?["is_null"] is JsonValue v && v.TryGetValue<bool>(out var isNull) && isNull;

    private static string NameOf(JsonObject item)
    {
        var alias = Text(item, "alias");
        if (alias.Length > 0) return alias;
        return Text(item, "class") switch
        {
            "COLUMN_REF" => (item["column_names"] as JsonArray)?.LastOrDefault()?.GetValue<string>() ?? "",
            "FUNCTION" => Text(item, "function_name"),
            _ => "",
        };
    }

    private static string Text(JsonObject? node, string property) =>
        node?[property] is JsonValue value && value.TryGetValue<string>(out var text) ? text : "";
}
