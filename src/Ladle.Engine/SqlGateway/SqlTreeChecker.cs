using System.Globalization;
using System.Text.Json.Nodes;
using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Core.Plans;
using Ladle.Core.Policy;

namespace Ladle.Engine.SqlGateway;

/// <summary>
/// Walks a statement DuckDB parsed (json_serialize_sql) and decides what it may touch: every table reference must be
/// a CTE in scope, a dataset the principal may see (unqualified, or qualified by its domain, <c>public</c>, <c>main</c>
/// or the project's name as database) or a relation of the SQL catalog; anything else answers as PostgreSQL does for a
/// relation that does not exist, so an unseen dataset reads exactly like a missing one. Dataset references are marked
/// for <see cref="SqlTreeComposer"/>; catalog relations, calls and casts the catalog rewrites are rewritten here;
/// every other call is checked by <see cref="SqlFunctionRules"/>.
/// </summary>
internal sealed class SqlTreeChecker(ProjectDefinition project, IAccessPolicy policy, ISqlCatalog? catalog, Principal principal, Func<string, JsonObject> parse,
    Func<JsonNode, string>? nameColumn = null)
{
    /// <summary>The schema a marked dataset reference carries in place of the one written (no name a principal's reference keeps after checking).</summary>
    public const string DatasetMarker = "\u0001ladle_dataset";

    private static readonly HashSet<string> QueryNodes = new(StringComparer.Ordinal) { "SELECT_NODE", "SET_OPERATION_NODE", "RECURSIVE_CTE_NODE", "CTE_NODE" };

    private static readonly HashSet<string> TableRefs = new(StringComparer.Ordinal)
    {
        "BASE_TABLE", "JOIN", "SUBQUERY", "TABLE_FUNCTION", "EXPRESSION_LIST", "EMPTY", "PIVOT", "SHOW_REF", "COLUMN_DATA", "DELIM_GET", "INVALID",
    };

    /// <summary>Properties whose expressions filter, group or join rows: a masked column may not appear in them.</summary>
    private static readonly HashSet<string> ConditionProperties = new(StringComparer.Ordinal)
    {
        "where_clause", "having", "qualify", "group_expressions", "condition", "partitions",
    };

    private readonly Dictionary<string, DatasetDefinition> _datasets = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<SqlConditionColumn> _conditions = [];
    private ReadShape _shape = ReadShape.Rows;
    private int _parameters;

    /// <summary>The datasets the statement reads.</summary>
    public IReadOnlyCollection<DatasetDefinition> Datasets => _datasets.Values;

    public IReadOnlyList<SqlConditionColumn> Conditions => _conditions;

    public ReadShape Shape => _shape;

    /// <summary>The highest $n the statement uses.</summary>
    public int Parameters => _parameters;

    /// <summary>Checks (and rewrites in place) one parsed statement: <c>{"node": …, "named_param_map": …}</c>.</summary>
    public void Check(JsonObject statement)
    {
        NameColumns(statement["node"] as JsonObject);
        Statement(statement, Scope.Empty, false);
    }

    /// <summary>The answer's unnamed columns get PostgreSQL's names (count, version, ?column?), figured from the statement as written.</summary>
    private void NameColumns(JsonObject? node)
    {
        if (Text(node, "type") == "SET_OPERATION_NODE")
        {
            NameColumns(node!["left"] as JsonObject);
            return;
        }
        if (node?["select_list"] is not JsonArray list || nameColumn is null) return;
        foreach (var entry in list.OfType<JsonObject>())
            if (Text(entry, "alias").Length == 0 && Text(entry, "class") is not ("STAR" or "COLUMNS"))
                // DuckDB's parser reads count(*) as count_star(); PostgreSQL names that column count.
                entry["alias"] = Text(entry, "function_name") == "count_star" ? "count" : nameColumn(entry);
    }

    private void Statement(JsonNode? statement, Scope scope, bool condition)
    {
        if (statement is JsonObject s) Query(s["node"] as JsonObject, scope, condition);
    }

    private void Query(JsonObject? node, Scope scope, bool condition)
    {
        if (node is null) return;
        var inner = scope;
        if (node["cte_map"]?["map"] is JsonArray map)
        {
            foreach (var entry in map)
            {
                var name = entry?["key"]?.GetValue<string>() ?? "";
                var query = entry?["value"]?["query"];
                // A CTE sees the ones before it, and itself only when recursive: a non-recursive CTE's own name
                // inside its body means the table of that name, as in PostgreSQL.
                var recursive = query?["node"]?["type"]?.GetValue<string>() == "RECURSIVE_CTE_NODE";
                Statement(query, recursive ? inner.With(name) : inner, condition);
                inner = inner.With(name);
            }
        }
        if (node["type"]?.GetValue<string>() == "RECURSIVE_CTE_NODE" && node["ctename"]?.GetValue<string>() is { Length: > 0 } cte) inner = inner.With(cte);
        if (node["group_expressions"] is JsonArray { Count: > 0 }) _shape |= ReadShape.Group | ReadShape.Aggregate;
        if (node["where_clause"] is JsonObject || node["having"] is JsonObject) _shape |= ReadShape.Filter;
        foreach (var (key, value) in node.ToList())
            if (key != "cte_map") Any(value, inner, condition || ConditionProperties.Contains(key));
    }

    private void Any(JsonNode? node, Scope scope, bool condition)
    {
        switch (node)
        {
            case JsonArray array:
                foreach (var item in array.ToList()) Any(item, scope, condition);
                break;
            case JsonObject obj when obj.ContainsKey("class"):
                Expression(obj, scope, condition);
                break;
            case JsonObject obj when obj.ContainsKey("node") && obj.ContainsKey("named_param_map"):
                Statement(obj, scope, condition);
                break;
            case JsonObject obj when obj["type"]?.GetValueKind() == System.Text.Json.JsonValueKind.String && QueryNodes.Contains(obj["type"]!.GetValue<string>()):
                Query(obj, scope, condition);
                break;
            case JsonObject obj when obj["type"]?.GetValueKind() == System.Text.Json.JsonValueKind.String && TableRefs.Contains(obj["type"]!.GetValue<string>()) && obj.ContainsKey("alias"):
                TableRef(obj, scope, condition);
                break;
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList()) Any(value, scope, condition || ConditionProperties.Contains(key));
                break;
        }
    }

    private void TableRef(JsonObject table, Scope scope, bool condition)
    {
        var type = table["type"]!.GetValue<string>();
        switch (type)
        {
            case "BASE_TABLE":
                BaseTable(table, scope);
                return;
            case "TABLE_FUNCTION":
                var function = table["function"] as JsonObject;
                SqlFunctionRules.CheckTable(Text(function, "schema"), Text(function, "function_name"));
                // pg_catalog.generate_series (psql writes it so) is DuckDB's own: the sandbox's default database has no pg_catalog.
                if (function is not null)
                {
                    function["schema"] = "";
                    function["catalog"] = "";
                }
                // FROM generate_series(1, 3) s: in PostgreSQL s also names the one column; DuckDB needs it said.
                if (Text(table, "alias") is { Length: > 0 } alias && table["column_name_alias"] is JsonArray { Count: 0 } names) names.Add(alias);
                Any(function?["children"], scope, condition);
                return;
            case "JOIN":
                if (table["condition"] is JsonObject || table["using_columns"] is JsonArray { Count: > 0 }) _shape |= ReadShape.Filter;
                foreach (var column in table["using_columns"] as JsonArray ?? [])
                    if (column?.GetValue<string>() is { } name) _conditions.Add(new SqlConditionColumn(null, name));
                foreach (var (key, value) in table.ToList()) Any(value, scope, condition || ConditionProperties.Contains(key));
                return;
            case "SUBQUERY" or "EXPRESSION_LIST" or "EMPTY" or "PIVOT":
                foreach (var (key, value) in table.ToList()) Any(value, scope, condition || ConditionProperties.Contains(key));
                return;
            case "SHOW_REF" when table["query"] is JsonObject { } shown && Text(shown, "type") == "SELECT_NODE"
                && shown["from_table"] is JsonObject { } described && Text(described, "type") == "BASE_TABLE" && Text(table, "show_type") == "DESCRIBE" && catalog is not null:
                // DESCRIBE orders (SHOW orders): the relation's columns as the principal's catalog lists them.
                var (schemaName, tableName) = (Text(described, "schema_name"), Text(described, "table_name"));
                var description = catalog.Describe(schemaName.Length == 0 ? null : schemaName, tableName, principal)
                    ?? throw Missing(schemaName.Length == 0 ? tableName : $"{schemaName}.{tableName}");
                table.ReplaceWith(new JsonObject
                {
                    ["type"] = "SUBQUERY",
                    ["alias"] = Text(table, "alias") is { Length: > 0 } shownAs ? shownAs : "describe",
                    ["sample"] = null,
                    ["query_location"] = table["query_location"]?.DeepClone(),
                    ["subquery"] = parse(description),
                    ["column_name_alias"] = new JsonArray(),
                });
                return;
            case "SHOW_REF":
                throw new InvalidRequestException("DESCRIBE and SHOW of a relation are not served over SQL; query information_schema.columns instead", "sql");
            default:
                throw new InvalidRequestException($"a table reference of kind {type} is not served over SQL", "sql");
        }
    }

    private void BaseTable(JsonObject table, Scope scope)
    {
        var catalogName = Text(table, "catalog_name");
        var schema = Text(table, "schema_name");
        var name = Text(table, "table_name");
        var written = string.Join('.', new[] { catalogName, schema, name }.Where(p => p.Length > 0));
        if (table["at_clause"] is JsonObject)
            throw new InvalidRequestException($"time travel (AT …) on \"{written}\" is not served over SQL", "sql");
        if (catalogName.Length > 0 && !string.Equals(catalogName, project.Name, StringComparison.OrdinalIgnoreCase))
            throw Missing(written);
        if (catalogName.Length == 0 && schema.Length == 0 && scope.Contains(name)) return;

        if (Dataset(schema, name) is { } dataset)
        {
            _datasets[dataset.Name] = dataset;
            table["catalog_name"] = "";
            table["schema_name"] = DatasetMarker;
            table["table_name"] = dataset.Name;
            // The relation keeps the name it was written with, so orders.amount still resolves.
            if (Text(table, "alias").Length == 0) table["alias"] = name;
            return;
        }
        if (catalog?.Relation(schema.Length == 0 ? null : schema, name, principal) is { } relation)
        {
            var alias = Text(table, "alias");
            table.ReplaceWith(new JsonObject
            {
                ["type"] = "SUBQUERY",
                ["alias"] = alias.Length > 0 ? alias : name,
                ["sample"] = table["sample"]?.DeepClone(),
                ["query_location"] = table["query_location"]?.DeepClone(),
                ["subquery"] = parse(relation),
                ["column_name_alias"] = table["column_name_alias"]?.DeepClone() ?? new JsonArray(),
            });
            return;
        }
        throw Missing(written);
    }

    /// <summary>The dataset a reference names, when the principal may see it; null otherwise (then it does not exist for them).</summary>
    private DatasetDefinition? Dataset(string schema, string name)
    {
        var dataset = project.FindDataset(name);
        if (dataset is null || !policy.CanSee(principal, dataset)) return null;
        return schema.Length == 0 || schema.Equals("public", StringComparison.OrdinalIgnoreCase) || schema.Equals("main", StringComparison.OrdinalIgnoreCase)
            || string.Equals(schema, dataset.Domain, StringComparison.OrdinalIgnoreCase)
            ? dataset : null;
    }

    private static NotFoundException Missing(string written) => new($"relation \"{written}\" does not exist");

    private void Expression(JsonObject expression, Scope scope, bool condition)
    {
        switch (expression["class"]?.GetValue<string>())
        {
            case "FUNCTION" or "WINDOW" or "AGGREGATE":
                if (Call(expression)) return;
                break;
            case "CAST":
                if (Cast(expression, scope, condition)) return;
                break;
            case "COLUMN_REF":
                if (condition && expression["column_names"] is JsonArray { Count: > 0 } names)
                    _conditions.Add(new SqlConditionColumn(names.Count > 1 ? names[^2]?.GetValue<string>() : null, names[^1]!.GetValue<string>()));
                return;
            case "PARAMETER":
                var id = Text(expression, "identifier");
                if (!int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index < 1)
                    throw new InvalidRequestException($"parameter ${id} is not served: parameters are numbered, $1, $2, …", "sql");
                _parameters = Math.Max(_parameters, index);
                return;
        }
        foreach (var (key, value) in expression.ToList()) Any(value, scope, condition || ConditionProperties.Contains(key));
    }

    /// <summary>A function call: rewritten by the catalog, or checked; true when it was replaced by a constant (nothing left to walk).</summary>
    private bool Call(JsonObject call)
    {
        var name = Text(call, "function_name");
        var schema = Text(call, "schema");
        var arguments = (call["children"] as JsonArray)?.Count ?? 0;
        // Operators (+, ~~, ||) are calls in the tree; the catalog rewrites functions, and OPERATOR(…) spellings in Normalize.
        var isOperator = call["is_operator"] is JsonValue op && op.TryGetValue<bool>(out var flag) && flag;
        if (!isOperator && catalog?.Function(schema.Length == 0 ? null : schema, name, arguments, principal) is { } rewrite)
            return Apply(call, rewrite, name);
        SqlFunctionRules.CheckScalar(Text(call, "catalog"), schema, name);
        return false;
    }

    /// <summary>A cast to a type the engine does not know (regclass, oid, …) that the catalog rewrites as a call; true when replaced.</summary>
    private bool Cast(JsonObject cast, Scope scope, bool condition)
    {
        if (cast["cast_type"] is not JsonObject { } type || type["id"]?.GetValue<string>() != "UNBOUND") return false;
        var info = type["type_info"] as JsonObject;
        var name = Text(info, "name");
        var schema = Text(info, "schema");
        if (catalog?.Cast(schema.Length == 0 ? null : schema, name, principal) is not { } rewrite) return false;
        var child = cast["child"]?.DeepClone();
        var call = new JsonObject
        {
            ["class"] = "FUNCTION", ["type"] = "FUNCTION", ["alias"] = cast["alias"]?.DeepClone() ?? "",
            ["query_location"] = cast["query_location"]?.DeepClone(), ["function_name"] = name, ["schema"] = "",
            ["children"] = new JsonArray(child), ["filter"] = null,
            ["order_bys"] = new JsonObject { ["type"] = "ORDER_MODIFIER", ["orders"] = new JsonArray() },
            ["distinct"] = false, ["is_operator"] = false, ["export_state"] = false, ["catalog"] = "",
        };
        cast.ReplaceWith(call);
        var replaced = Apply(call, rewrite, name);
        if (!replaced) Any(call["children"], scope, condition);
        return true;
    }

    /// <summary>Applies a catalog rewrite to a call node; true when the call became a constant.</summary>
    private bool Apply(JsonObject call, SqlFunctionRewrite rewrite, string name)
    {
        if (rewrite.Constant is { } constant)
        {
            var value = SelectedExpression(constant);
            var alias = Text(call, "alias");
            value["alias"] = alias.Length > 0 ? alias : name;
            call.ReplaceWith(value);
            return true;
        }
        var parts = (rewrite.Name ?? name).Split('.');
        call["function_name"] = parts[^1];
        call["schema"] = parts.Length > 1 ? parts[^2] : "";
        call["catalog"] = parts.Length > 2 ? parts[^3] : "";
        if (call["children"] is JsonArray children)
            foreach (var extra in rewrite.ExtraArguments) children.Add(SelectedExpression(extra));
        return false;
    }

    /// <summary>The expression of <c>SELECT expression</c>, parsed by the engine (catalog text, trusted).</summary>
    private JsonObject SelectedExpression(string expression)
    {
        var statement = parse("SELECT " + expression);
        var selected = statement["node"]?["select_list"]?[0] as JsonObject ?? throw new InvalidOperationException($"the catalog's expression '{expression}' is not an expression");
        selected.Parent!.AsArray().Remove(selected);
        return selected;
    }

    private static string Text(JsonObject? node, string property) =>
        node?[property] is JsonValue value && value.TryGetValue<string>(out var text) ? text : "";

    /// <summary>The CTE names in scope at a point of the statement.</summary>
    private sealed class Scope
    {
        public static Scope Empty { get; } = new(null, null);

        private readonly Scope? _outer;
        private readonly string? _name;

        private Scope(Scope? outer, string? name)
        {
            _outer = outer;
            _name = name;
        }

        public Scope With(string name) => new(this, name);

        public bool Contains(string name)
        {
            for (var s = this; s is not null; s = s._outer)
                if (s._name is not null && string.Equals(s._name, name, StringComparison.OrdinalIgnoreCase)) return true;
            return false;
        }
    }
}
