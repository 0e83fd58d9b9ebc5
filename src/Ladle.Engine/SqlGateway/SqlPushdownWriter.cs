using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Core.Sql;

namespace Ladle.Engine.SqlGateway;

/// <summary>
/// Writes a checked statement (<see cref="SqlTreeChecker"/>'s tree, datasets marked) in a source database's SQL, so a
/// statement over live datasets of one PostgreSQL or SQLite source runs there whole: each dataset becomes its
/// policy-scoped SELECT in that dialect (row filters and masks, as a rows read renders them), the statement's $n that
/// dialect's placeholders. Only what both engines mean the same way is written — SELECT with joins and subqueries in
/// FROM, WHERE, GROUP BY, HAVING, ORDER BY, LIMIT/OFFSET, DISTINCT; comparisons, AND/OR/NOT, IN, BETWEEN, LIKE,
/// IS [NOT] NULL, arithmetic, ||, CASE, COALESCE, casts to served types, count/sum/avg/min/max and a few scalar
/// functions; anything else is refused naming it, never translated approximately.
/// </summary>
internal sealed class SqlPushdownWriter(SqlDialect dialect, string source, IReadOnlyDictionary<string, string> scoped, Func<int, string> parameter)
{
    private static readonly HashSet<string> Aggregates = new(StringComparer.OrdinalIgnoreCase) { "count", "sum", "avg", "min", "max" };

    private static readonly HashSet<string> Scalars = new(StringComparer.OrdinalIgnoreCase)
    {
        "lower", "upper", "coalesce", "nullif", "abs", "round", "length", "trim", "ltrim", "rtrim", "replace", "substr",
    };

    /// <summary>Functions PostgreSQL has with DuckDB's meaning, SQLite not.</summary>
    private static readonly HashSet<string> PostgresScalars = new(StringComparer.OrdinalIgnoreCase) { "date_trunc", "date_part", "now", "greatest", "least" };

    private bool IsPostgres => ReferenceEquals(dialect, SqlDialect.Postgres);

    /// <summary>The statement (<c>{"node": …}</c>) in the source's SQL.</summary>
    public string Write(JsonObject statement)
    {
        var text = new StringBuilder();
        Query(statement["node"] as JsonObject ?? throw Refused("this statement"), text);
        return text.ToString();
    }

    private InvalidRequestException Refused(string what) => new(
        $"{what} is not pushed down to source '{source}': a statement over live datasets runs whole in their database, in the SQL both it and " +
        "Ladle mean the same way (SELECT, joins, WHERE, GROUP BY, HAVING, ORDER BY, LIMIT, comparisons, CASE, casts, count/sum/avg/min/max); " +
        "rewrite it so, or materialize the dataset (materialization: table) for the rest of SQL", "sql");

    private void Query(JsonObject node, StringBuilder text)
    {
        if (Text(node, "type") != "SELECT_NODE") throw Refused("a set operation (UNION, EXCEPT, INTERSECT) or recursive query");
        if (node["cte_map"]?["map"] is JsonArray { Count: > 0 }) throw Refused("WITH");
        if (node["qualify"] is JsonObject) throw Refused("QUALIFY");
        if (node["sample"] is JsonObject) throw Refused("USING SAMPLE");
        if (node["group_sets"] is JsonArray { Count: > 1 }) throw Refused("GROUPING SETS, ROLLUP or CUBE");
        if (Text(node, "aggregate_handling") is { Length: > 0 } handling && handling != "STANDARD_HANDLING") throw Refused("GROUP BY ALL");
        var modifiers = (node["modifiers"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        text.Append("SELECT ");
        if (modifiers.FirstOrDefault(m => Text(m, "type") == "DISTINCT_MODIFIER") is { } distinct)
        {
            if (distinct["distinct_on_targets"] is JsonArray { Count: > 0 }) throw Refused("DISTINCT ON");
            text.Append("DISTINCT ");
        }
        var first = true;
        foreach (var item in (node["select_list"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (!first) text.Append(", ");
            first = false;
            if (Text(item, "class") == "STAR")
            {
                if (item["exclude_list"] is JsonArray { Count: > 0 } || item["replace_list"] is JsonArray { Count: > 0 } || item["rename_list"] is JsonArray { Count: > 0 }
                    || item["columns"]?.GetValueKind() == JsonValueKind.True || item["expr"] is JsonObject)
                    throw Refused("* with EXCLUDE, REPLACE, RENAME or COLUMNS");
                text.Append(Text(item, "relation_name") is { Length: > 0 } relation ? dialect.Quote(relation) + ".*" : "*");
                continue;
            }
            Expression(item, text);
            if (Text(item, "alias") is { Length: > 0 } alias) text.Append(" AS ").Append(dialect.Quote(alias));
        }
        if (node["from_table"] is JsonObject from && Text(from, "type") != "EMPTY")
        {
            text.Append(" FROM ");
            Table(from, text);
        }
        if (node["where_clause"] is JsonObject where)
        {
            text.Append(" WHERE ");
            Expression(where, text);
        }
        if (node["group_expressions"] is JsonArray { Count: > 0 } groups)
        {
            text.Append(" GROUP BY ");
            List(groups, text);
        }
        if (node["having"] is JsonObject having)
        {
            text.Append(" HAVING ");
            Expression(having, text);
        }
        foreach (var modifier in modifiers)
        {
            switch (Text(modifier, "type"))
            {
                case "ORDER_MODIFIER":
                    var orders = (modifier["orders"] as JsonArray ?? []).OfType<JsonObject>().ToList();
                    if (orders.Count == 0) break;
                    text.Append(" ORDER BY ");
                    for (var i = 0; i < orders.Count; i++)
                    {
                        if (i > 0) text.Append(", ");
                        Expression((JsonObject)orders[i]["expression"]!, text);
                        if (Text(orders[i], "type") == "DESCENDING") text.Append(" DESC");
                        switch (Text(orders[i], "null_order"))
                        {
                            case "NULLS_FIRST": text.Append(" NULLS FIRST"); break;
                            case "NULLS_LAST": text.Append(" NULLS LAST"); break;
                        }
                    }
                    break;
                case "LIMIT_MODIFIER":
                    if (modifier["limit"] is JsonObject limit)
                    {
                        text.Append(" LIMIT ");
                        Expression(limit, text);
                    }
                    else if (modifier["offset"] is JsonObject && !IsPostgres) text.Append(" LIMIT -1");
                    if (modifier["offset"] is JsonObject offset)
                    {
                        text.Append(" OFFSET ");
                        Expression(offset, text);
                    }
                    break;
                case "DISTINCT_MODIFIER":
                    break;
                default:
                    throw Refused(Text(modifier, "type").Replace("_MODIFIER", "", StringComparison.Ordinal));
            }
        }
    }

    private void Table(JsonObject table, StringBuilder text)
    {
        if (table["sample"] is JsonObject) throw Refused("TABLESAMPLE");
        if (table["column_name_alias"] is JsonArray { Count: > 0 }) throw Refused("column aliases on a FROM item");
        switch (Text(table, "type"))
        {
            case "BASE_TABLE" when Text(table, "schema_name") == SqlTreeChecker.DatasetMarker:
                text.Append('(').Append(scoped[Text(table, "table_name")]).Append(") AS ").Append(dialect.Quote(Text(table, "alias")));
                return;
            case "BASE_TABLE":
                throw Refused($"relation \"{Text(table, "table_name")}\" (a CTE or catalog relation)");
            case "SUBQUERY":
                text.Append('(');
                Query((JsonObject)table["subquery"]!["node"]!, text);
                text.Append(')');
                if (Text(table, "alias") is { Length: > 0 } alias) text.Append(" AS ").Append(dialect.Quote(alias));
                return;
            case "JOIN":
                Table((JsonObject)table["left"]!, text);
                var kind = Text(table, "ref_type");
                if (kind == "CROSS")
                {
                    text.Append(" CROSS JOIN ");
                    Table((JsonObject)table["right"]!, text);
                    return;
                }
                if (kind != "REGULAR") throw Refused($"a {kind.ToLowerInvariant()} join");
                text.Append(Text(table, "join_type") switch
                {
                    "INNER" => " INNER JOIN ",
                    "LEFT" => " LEFT JOIN ",
                    "RIGHT" => " RIGHT JOIN ",
                    "OUTER" => " FULL JOIN ",
                    var other => throw Refused($"a {other.ToLowerInvariant()} join"),
                });
                Table((JsonObject)table["right"]!, text);
                if (table["using_columns"] is JsonArray { Count: > 0 } columns)
                    text.Append(" USING (").Append(string.Join(", ", columns.Select(c => dialect.Quote(c!.GetValue<string>())))).Append(')');
                else if (table["condition"] is JsonObject condition)
                {
                    text.Append(" ON ");
                    Expression(condition, text);
                }
                return;
            default:
                throw Refused($"a {Text(table, "type").ToLowerInvariant().Replace('_', ' ')} in FROM");
        }
    }

    private void List(JsonArray expressions, StringBuilder text)
    {
        var first = true;
        foreach (var expression in expressions.OfType<JsonObject>())
        {
            if (!first) text.Append(", ");
            first = false;
            Expression(expression, text);
        }
    }

    private void Expression(JsonObject e, StringBuilder text)
    {
        var type = Text(e, "type");
        switch (Text(e, "class"))
        {
            case "COLUMN_REF":
                text.Append(string.Join('.', (e["column_names"] as JsonArray ?? []).Select(n => dialect.Quote(n!.GetValue<string>()))));
                return;
            case "CONSTANT":
                Constant(e["value"] as JsonObject, text);
                return;
            case "PARAMETER":
                text.Append(parameter(int.Parse(Text(e, "identifier"), NumberStyles.None, CultureInfo.InvariantCulture)));
                return;
            case "COMPARISON":
                var op = type switch
                {
                    "COMPARE_EQUAL" => "=",
                    "COMPARE_NOTEQUAL" => "<>",
                    "COMPARE_LESSTHAN" => "<",
                    "COMPARE_GREATERTHAN" => ">",
                    "COMPARE_LESSTHANOREQUALTO" => "<=",
                    "COMPARE_GREATERTHANOREQUALTO" => ">=",
                    _ => throw Refused($"the comparison {type.Replace("COMPARE_", "", StringComparison.Ordinal).ToLowerInvariant()}"),
                };
                Binary((JsonObject)e["left"]!, op, (JsonObject)e["right"]!, text);
                return;
            case "CONJUNCTION":
                var word = type == "CONJUNCTION_AND" ? " AND " : type == "CONJUNCTION_OR" ? " OR " : throw Refused(type);
                text.Append('(');
                var children = (e["children"] as JsonArray ?? []).OfType<JsonObject>().ToList();
                for (var i = 0; i < children.Count; i++)
                {
                    if (i > 0) text.Append(word);
                    Expression(children[i], text);
                }
                text.Append(')');
                return;
            case "OPERATOR":
                Operator(e, type, text);
                return;
            case "BETWEEN":
                text.Append('(');
                Expression((JsonObject)e["input"]!, text);
                text.Append(" BETWEEN ");
                Expression((JsonObject)e["lower"]!, text);
                text.Append(" AND ");
                Expression((JsonObject)e["upper"]!, text);
                text.Append(')');
                return;
            case "CAST":
                if (e["try_cast"]?.GetValueKind() == JsonValueKind.True) throw Refused("TRY_CAST");
                text.Append("CAST(");
                Expression((JsonObject)e["child"]!, text);
                text.Append(" AS ").Append(CastType(e["cast_type"] as JsonObject)).Append(')');
                return;
            case "CASE":
                text.Append("CASE");
                foreach (var check in (e["case_checks"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    text.Append(" WHEN ");
                    Expression((JsonObject)check["when_expr"]!, text);
                    text.Append(" THEN ");
                    Expression((JsonObject)check["then_expr"]!, text);
                }
                if (e["else_expr"] is JsonObject otherwise)
                {
                    text.Append(" ELSE ");
                    Expression(otherwise, text);
                }
                text.Append(" END");
                return;
            case "FUNCTION" or "AGGREGATE":
                Function(e, text);
                return;
            default:
                throw Refused(Text(e, "class") switch
                {
                    "SUBQUERY" => "a subquery in an expression",
                    "WINDOW" => "a window function",
                    var c => $"the expression {c.ToLowerInvariant()}",
                });
        }
    }

    private void Binary(JsonObject left, string op, JsonObject right, StringBuilder text)
    {
        text.Append('(');
        Expression(left, text);
        text.Append(' ').Append(op).Append(' ');
        Expression(right, text);
        text.Append(')');
    }

    private void Operator(JsonObject e, string type, StringBuilder text)
    {
        var children = (e["children"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        switch (type)
        {
            case "OPERATOR_NOT":
                text.Append("(NOT ");
                Expression(children[0], text);
                text.Append(')');
                return;
            case "OPERATOR_IS_NULL" or "OPERATOR_IS_NOT_NULL":
                text.Append('(');
                Expression(children[0], text);
                text.Append(type == "OPERATOR_IS_NULL" ? " IS NULL)" : " IS NOT NULL)");
                return;
            case "COMPARE_IN" or "COMPARE_NOT_IN":
                text.Append('(');
                Expression(children[0], text);
                text.Append(type == "COMPARE_IN" ? " IN (" : " NOT IN (");
                for (var i = 1; i < children.Count; i++)
                {
                    if (i > 1) text.Append(", ");
                    Expression(children[i], text);
                }
                text.Append("))");
                return;
            case "OPERATOR_COALESCE":
                text.Append("COALESCE(");
                for (var i = 0; i < children.Count; i++)
                {
                    if (i > 0) text.Append(", ");
                    Expression(children[i], text);
                }
                text.Append(')');
                return;
            default:
                throw Refused($"the operator {type.Replace("OPERATOR_", "", StringComparison.Ordinal).ToLowerInvariant()}");
        }
    }

    private void Function(JsonObject e, StringBuilder text)
    {
        var name = Text(e, "function_name");
        var children = (e["children"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        if (e["filter"] is JsonObject) throw Refused($"FILTER on {name}(…)");
        if (e["order_bys"]?["orders"] is JsonArray { Count: > 0 }) throw Refused($"ORDER BY inside {name}(…)");
        if (Text(e, "schema") is { Length: > 0 } schema && schema is not ("main" or "pg_catalog")) throw Refused($"the function {schema}.{name}(…)");
        var distinct = e["distinct"]?.GetValueKind() == JsonValueKind.True;
        switch (name)
        {
            case "+" or "-" or "*" or "/" or "%" or "||" when children.Count == 2:
                // Integer division differs (DuckDB's / is exact, PostgreSQL's and SQLite's truncate): refuse it rather than answer otherwise.
                if (name == "/") throw Refused("division (/), whose result on integers differs between engines; CAST a side AS DOUBLE first in a materialized dataset");
                Binary(children[0], name, children[1], text);
                return;
            case "-" when children.Count == 1:
                text.Append("(-");
                Expression(children[0], text);
                text.Append(')');
                return;
            case "~~" or "!~~" or "~~*" or "!~~*" when children.Count == 2:
                if (name.EndsWith('*') && !IsPostgres) throw Refused("ILIKE");
                var like = name switch { "~~" => "LIKE", "!~~" => "NOT LIKE", "~~*" => "ILIKE", _ => "NOT ILIKE" };
                Binary(children[0], like, children[1], text);
                return;
            case "count_star":
                text.Append("count(*)");
                return;
        }
        var known = Aggregates.Contains(name) || Scalars.Contains(name) || (IsPostgres && PostgresScalars.Contains(name));
        if (!known || (distinct && !Aggregates.Contains(name))) throw Refused($"the function {name}(…)");
        text.Append(name.ToLowerInvariant()).Append('(');
        if (distinct) text.Append("DISTINCT ");
        for (var i = 0; i < children.Count; i++)
        {
            if (i > 0) text.Append(", ");
            Expression(children[i], text);
        }
        text.Append(')');
    }

    private void Constant(JsonObject? value, StringBuilder text)
    {
        if (value?["is_null"]?.GetValueKind() == JsonValueKind.True)
        {
            text.Append("NULL");
            return;
        }
        var type = Text(value?["type"] as JsonObject, "id");
        var raw = value?["value"] as JsonValue;
        switch (type)
        {
            case "VARCHAR" when raw is not null:
                text.Append('\'').Append(raw.GetValue<string>().Replace("'", "''", StringComparison.Ordinal)).Append('\'');
                return;
            case "TINYINT" or "SMALLINT" or "INTEGER" or "BIGINT" or "UTINYINT" or "USMALLINT" or "UINTEGER" or "UBIGINT" or "HUGEINT" when raw is not null:
                text.Append(raw.GetValue<decimal>().ToString(CultureInfo.InvariantCulture));
                return;
            case "DECIMAL" when raw is not null:
                var scale = value!["type"]!["type_info"]?["scale"]?.GetValue<int>() ?? 0;
                text.Append((raw.GetValue<decimal>() / (decimal)Math.Pow(10, scale)).ToString(CultureInfo.InvariantCulture));
                return;
            case "DOUBLE" or "FLOAT" when raw is not null:
                text.Append(raw.GetValue<double>().ToString("R", CultureInfo.InvariantCulture));
                return;
            case "BOOLEAN" when raw is not null:
                var flag = raw.GetValue<bool>();
                text.Append(IsPostgres ? (flag ? "TRUE" : "FALSE") : (flag ? "1" : "0"));
                return;
            default:
                throw Refused($"a literal of type {type}");
        }
    }

    private string CastType(JsonObject? type) => Text(type, "id") switch
    {
        "VARCHAR" => dialect.TypeName(LadleType.String),
        "TINYINT" or "SMALLINT" or "INTEGER" or "BIGINT" or "HUGEINT" => dialect.TypeName(LadleType.Integer),
        "DOUBLE" or "FLOAT" => dialect.TypeName(LadleType.Double),
        "DECIMAL" => dialect.TypeName(LadleType.Decimal),
        "BOOLEAN" => dialect.TypeName(LadleType.Boolean),
        "DATE" => dialect.TypeName(LadleType.Date),
        "TIMESTAMP" => dialect.TypeName(LadleType.Timestamp),
        var other => throw Refused($"a cast to {other}"),
    };

    private static string Text(JsonObject? node, string property) =>
        node?[property] is JsonValue value && value.TryGetValue<string>(out var text) ? text : "";
}
