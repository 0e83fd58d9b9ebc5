using System.Text.Json.Nodes;
using DuckDB.NET.Data;
using Ladle.Core.Policy;
using Ladle.Engine.SqlGateway;
using Ladle.Engine.SqlGateway.Catalog;

namespace Ladle.Engine.Tests.SqlGateway;

/// <summary>
/// The minimum of the SQL gateway the catalog's tests need, done the way the gateway does it: normalize, parse with
/// DuckDB's json_serialize_sql, replace catalog relations, functions and casts as <see cref="ISqlCatalog"/> says,
/// and render with json_deserialize_sql. No datasets, no policy scoping, no sandbox: those are the gateway's.
/// </summary>
internal sealed class CatalogRewriter(DuckDBConnection connection, ISqlCatalog catalog)
{
    public string Rewrite(string sql, Principal principal)
    {
        var tree = Parse(catalog.Normalize(sql));
        var statements = (JsonArray)tree["statements"]!;
        foreach (var statement in statements) NameColumns(statement!["node"]);
        Walk(statements, principal);
        return Scalar($"SELECT json_deserialize_sql({Literal(tree.ToJsonString())})");
    }

    /// <summary>Runs <paramref name="sql"/> rewritten: its column names, its engine types and its rows as text.</summary>
    public (List<string> Columns, List<string> Types, List<string?[]> Rows) Run(string sql, Principal principal)
    {
        var rewritten = Rewrite(sql, principal);
        using var command = connection.CreateCommand();
        command.CommandText = rewritten;
        try
        {
            using var reader = command.ExecuteReader();
            var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToList();
            var types = Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetFieldType(i).Name).ToList();
            var rows = new List<string?[]>();
            while (reader.Read())
                rows.Add(Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? null : Text(reader.GetValue(i))).ToArray());
            return (columns, types, rows);
        }
        catch (DuckDBException e)
        {
            throw new InvalidOperationException($"{e.Message}\n-- rewritten:\n{rewritten}", e);
        }
    }

    public static string? Text(object? value) => value switch
    {
        null or DBNull => null,
        bool b => b ? "t" : "f",
        System.Collections.IEnumerable list and not string => "{" + string.Join(",", list.Cast<object?>().Select(Text)) + "}",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    // PostgreSQL's names for unnamed output columns (version, format_type, ?column?), from the statement as written.
    private static void NameColumns(JsonNode? node)
    {
        if (Str(node?["type"]) == "SET_OPERATION_NODE") { NameColumns(node!["left"]); return; }
        if (node?["select_list"] is not JsonArray list) return;
        foreach (var entry in list.OfType<JsonObject>())
            if (Str(entry["alias"]) is "" && Str(entry["class"]) is not ("STAR" or "COLUMNS"))
                entry["alias"] = PgColumnNames.Figure(entry);
    }

    private JsonNode? Walk(JsonNode? node, Principal principal)
    {
        if (node is JsonArray array)
        {
            for (var i = 0; i < array.Count; i++)
                if (Walk(array[i], principal) is var replaced && !ReferenceEquals(replaced, array[i])) array[i] = replaced;
            return array;
        }
        if (node is not JsonObject obj) return node;
        foreach (var key in obj.Select(p => p.Key).ToList())
            if (Walk(obj[key], principal) is var replaced && !ReferenceEquals(replaced, obj[key])) obj[key] = replaced;

        // FROM generate_series(…) s: in PostgreSQL s is also the one column's name; DuckDB needs it said.
        if (Str(obj["type"]) == "TABLE_FUNCTION" && Str(obj["alias"]) is { Length: > 0 } functionAlias
            && obj["column_name_alias"] is JsonArray { Count: 0 } names)
            names.Add(functionAlias);
        if (Str(obj["type"]) == "BASE_TABLE"
            && catalog.Relation(Optional(obj["schema_name"]), (string)obj["table_name"]!, principal) is { } relation)
        {
            var alias = Optional(obj["alias"]) ?? (string)obj["table_name"]!;
            var replaced = Parse($"SELECT * FROM ({relation}) AS \"{alias}\"")["statements"]![0]!["node"]!["from_table"]!.DeepClone();
            return replaced;
        }
        if (Str(obj["class"]) == "FUNCTION")
        {
            var children = (JsonArray)obj["children"]!;
            var rewrite = catalog.Function(Optional(obj["schema"]), (string)obj["function_name"]!, children.Count, principal);
            return rewrite is null ? obj : Apply(obj, rewrite, children.Select(c => c!.DeepClone()).ToList());
        }
        if (Str(obj["class"]) == "CAST" && Str(obj["cast_type"]?["id"]) == "UNBOUND")
        {
            var info = obj["cast_type"]!["type_info"]!;
            var rewrite = catalog.Cast(Optional(info["schema"]), (string)info["name"]!, principal);
            if (rewrite is null) return obj;
            return Apply(obj, rewrite, [obj["child"]!.DeepClone()]);
        }
        return obj;
    }

    private JsonNode Apply(JsonObject original, SqlFunctionRewrite rewrite, List<JsonNode> arguments)
    {
        var alias = (string?)original["alias"] ?? "";
        if (rewrite.Constant is { } constant)
        {
            var expression = Expression(constant);
            expression["alias"] = alias;
            return expression;
        }
        var call = Expression($"f({string.Join(", ", arguments.Select(_ => "NULL").Concat(rewrite.ExtraArguments))})");
        var parts = rewrite.Name!.Split('.');
        call["function_name"] = parts[^1];
        call["schema"] = parts.Length > 1 ? parts[^2] : "";
        call["catalog"] = parts.Length > 2 ? parts[^3] : "";
        call["alias"] = alias;
        var children = (JsonArray)call["children"]!;
        for (var i = 0; i < arguments.Count; i++) children[i] = arguments[i];
        return call;
    }

    private JsonObject Expression(string sql) => (JsonObject)Parse("SELECT " + sql)["statements"]![0]!["node"]!["select_list"]![0]!.DeepClone();

    private JsonNode Parse(string sql)
    {
        var tree = JsonNode.Parse(Scalar($"SELECT json_serialize_sql({Literal(sql)})"))!;
        if ((bool?)tree["error"] == true) throw new InvalidOperationException($"DuckDB does not parse: {tree["error_message"]}\n{sql}");
        return tree;
    }

    private string Scalar(string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (string)command.ExecuteScalar()!;
    }

    private static string? Optional(JsonNode? node) => Str(node) is { Length: > 0 } text ? text : null;

    private static string? Str(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
}
