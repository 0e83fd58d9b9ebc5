using System.Globalization;
using System.Text.Json.Nodes;

namespace Ladle.Engine.SqlGateway;

/// <summary>
/// Replaces each dataset reference <see cref="SqlTreeChecker"/> marked with the dataset's policy-scoped relation
/// (a SELECT of its leased version, row filters and masks applied), aliased to the name it was written with. The
/// scoped SELECT's own parameters (the row filters' values) are renumbered after the statement's $1..$n, so every
/// value stays bound, never spliced.
/// </summary>
internal static class SqlTreeComposer
{
    /// <param name="tree">The checked statement (<c>{"error":false,"statements":[…]}</c>); changed in place.</param>
    /// <param name="scoped">Per dataset, its scoped SELECT parsed (<c>{"node": …}</c>) and the values of its <c>$p1…</c> parameters.</param>
    /// <param name="firstParameter">The statement's last $n (the scoped relations' parameters are numbered after it).</param>
    /// <returns>The values to bind after the statement's own parameters, in order, and whose they are (a dataset's name per relation replaced).</returns>
    public static (List<object> Values, List<string> From) Compose(JsonNode tree, IReadOnlyDictionary<string, (JsonObject Statement, IReadOnlyList<object> Values)> scoped, int firstParameter)
    {
        var values = new List<object>();
        var from = new List<string>();
        Walk(tree, scoped, firstParameter, values, from);
        return (values, from);
    }

    private static void Walk(JsonNode? node, IReadOnlyDictionary<string, (JsonObject Statement, IReadOnlyList<object> Values)> scoped, int first, List<object> values, List<string> from)
    {
        switch (node)
        {
            case JsonArray array:
                foreach (var item in array.ToList()) Walk(item, scoped, first, values, from);
                break;
            case JsonObject obj when IsString(obj, "type", "BASE_TABLE") && !obj.ContainsKey("class"):
                var schema = obj["schema_name"]?.GetValue<string>() ?? "";
                var name = obj["table_name"]?.GetValue<string>() ?? "";
                if (schema != SqlTreeChecker.DatasetMarker)
                {
                    // After checking, a principal's references are CTE names (unqualified) or marked datasets; only the
                    // catalog's own relations, grafted in by the checker, name a database (the checker refuses any
                    // database but the project's, whose datasets it marks). Anything else is a checker's bug, not a read.
                    if (schema.Length > 0 && (obj["catalog_name"]?.GetValue<string>() ?? "").Length == 0)
                        throw new InvalidOperationException($"the SQL gateway left a qualified relation unchecked: {schema}.{name}");
                    break;
                }
                var (statement, own) = scoped[name];
                var subquery = statement.DeepClone();
                Renumber(subquery, first + values.Count);
                values.AddRange(own);
                from.Add(name);
                obj.ReplaceWith(new JsonObject
                {
                    ["type"] = "SUBQUERY",
                    ["alias"] = obj["alias"]?.DeepClone(),
                    ["sample"] = obj["sample"]?.DeepClone(),
                    ["query_location"] = obj["query_location"]?.DeepClone(),
                    ["subquery"] = subquery,
                    ["column_name_alias"] = obj["column_name_alias"]?.DeepClone() ?? new JsonArray(),
                });
                break;
            case JsonObject obj:
                foreach (var (_, value) in obj.ToList()) Walk(value, scoped, first, values, from);
                break;
        }
    }

    /// <summary>The scoped SELECT's <c>$pN</c> become <c>$(offset + N)</c>.</summary>
    private static void Renumber(JsonNode? node, int offset)
    {
        switch (node)
        {
            case JsonArray array:
                foreach (var item in array) Renumber(item, offset);
                break;
            case JsonObject obj when IsString(obj, "class", "PARAMETER"):
                var id = obj["identifier"]!.GetValue<string>();
                var n = int.Parse(id.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture);
                obj["identifier"] = (offset + n).ToString(CultureInfo.InvariantCulture);
                break;
            case JsonObject obj:
                if (obj["named_param_map"] is JsonArray map) map.Clear();
                foreach (var (_, value) in obj) Renumber(value, offset);
                break;
        }
    }

    private static bool IsString(JsonObject obj, string property, string value) =>
        obj[property] is JsonValue v && v.TryGetValue<string>(out var text) && text == value;
}
