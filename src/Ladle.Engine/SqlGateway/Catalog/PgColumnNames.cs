using System.Text.Json.Nodes;

namespace Ladle.Engine.SqlGateway.Catalog;

/// <summary>
/// The name PostgreSQL gives an output column the statement does not name (its FigureColname): a column's own
/// name, a function's name, a cast's operand's name (else the type's), a CASE's ELSE branch's, a scalar subquery's
/// first column's, else <c>?column?</c>. Clients read answers by these names (<c>SELECT version()</c> answers a
/// column <c>version</c>, not DuckDB's <c>version()</c>). Works on the expression trees of DuckDB's
/// <c>json_serialize_sql</c>, before any rewrite renames the functions.
/// </summary>
public static class PgColumnNames
{
    /// <summary>What PostgreSQL calls a select-list entry without an alias.</summary>
    public const string Unnamed = "?column?";

    /// <summary>The name of <paramref name="expression"/> (a select-list entry), as PostgreSQL would name it.</summary>
    public static string Figure(JsonNode? expression) => Figure(expression, 0) ?? Unnamed;

    private static string? Figure(JsonNode? node, int depth)
    {
        if (node is not JsonObject e || depth > 64) return null;
        switch (Text(e["class"]))
        {
            case "COLUMN_REF":
                return e["column_names"] is JsonArray names && names.Count > 0 ? Text(names[^1]) : null;
            case "FUNCTION":
                var function = Text(e["function_name"]);
                return e["is_operator"] is JsonValue op && op.TryGetValue<bool>(out var isOperator) && isOperator ? null : function;
            case "CAST":
                return Figure(e["child"], depth + 1) ?? TypeName(e["cast_type"]);
            case "COLLATE":
                return Figure(e["child"], depth + 1);
            case "CASE":
                return Figure(e["else_expr"], depth + 1) ?? "case";
            case "SUBQUERY":
                return Text(e["subquery_type"]) switch
                {
                    "SCALAR" => e["subquery"]?["node"]?["select_list"] is JsonArray list && list.Count > 0
                        ? (Text(list[0]?["alias"]) is { Length: > 0 } alias ? alias : Figure(list[0], depth + 1))
                        : null,
                    "EXISTS" => "exists",
                    _ => null,
                };
            default:
                return null;
        }
    }

    private static string? TypeName(JsonNode? type)
    {
        if (Text(type?["type_info"]?["name"]) is { Length: > 0 } name) return name;
        return Text(type?["id"]) switch
        {
            "BOOLEAN" => "bool",
            "SMALLINT" => "int2",
            "INTEGER" => "int4",
            "BIGINT" => "int8",
            "FLOAT" => "float4",
            "DOUBLE" => "float8",
            "DECIMAL" => "numeric",
            "VARCHAR" => "text",
            "DATE" => "date",
            "TIMESTAMP" => "timestamp",
            "TIMESTAMP WITH TIME ZONE" => "timestamptz",
            "INTERVAL" => "interval",
            "UUID" => "uuid",
            "BLOB" => "bytea",
            { } id => id.ToLowerInvariant(),
            null => null,
        };
    }

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
