using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ladle.Core.Errors;
using Ladle.Core.Plans;
using Ladle.Core.Semantic;
using Ladle.Core.Semantic.Queries;

namespace Ladle.Engine.SqlGateway;

/// <summary>
/// Reads a parsed statement over a metric relation (<c>metrics.&lt;model&gt;</c>) as the metric query it asks, so
/// metrics reach SQL clients through the semantic compiler and never by re-aggregating rows. The one form served:
/// <code>
/// SELECT dimension, date_trunc('month', time_dimension) AS month, MEASURE(metric) [AS name]
/// FROM metrics.model [WHERE dimension op value AND …] GROUP BY 1, 2 [HAVING MEASURE(metric) op value AND …]
/// [ORDER BY …] [LIMIT n]
/// </code>
/// Anything that would aggregate metric values again or read the relation as rows (another aggregate, SELECT *, a
/// join, a subquery, a set operation, OR, expressions) is refused with a message naming the part.
/// </summary>
internal static class SqlMetricTranslator
{
    /// <summary>The schema metric relations live in.</summary>
    public const string Schema = "metrics";

    private const string Form = "SELECT dimension, date_trunc('month', time_dimension), MEASURE(metric) FROM metrics.<model> [WHERE …] GROUP BY 1, 2";

    /// <summary>True when the statement names a metric relation anywhere.</summary>
    public static bool ReadsMetrics(JsonNode? node) => node switch
    {
        JsonArray array => array.Any(ReadsMetrics),
        // DESCRIBE metrics.orders describes the relation from the catalog: it reads no metric.
        JsonObject obj when Text(obj, "type") == "SHOW_REF" && !obj.ContainsKey("class") => false,
        JsonObject obj when Text(obj, "type") == "BASE_TABLE" && !obj.ContainsKey("class") =>
            string.Equals(Text(obj, "schema_name"), Schema, StringComparison.OrdinalIgnoreCase),
        JsonObject obj => obj.Any(p => ReadsMetrics(p.Value)),
        _ => false,
    };

    /// <summary>
    /// The metric query of <paramref name="statement"/> (<c>{"node": …}</c>), parsed from <paramref name="sql"/>.
    /// <paramref name="parameters"/> are the values bound to $1…; empty when the statement is only described
    /// (conditions on parameters are then left out: they do not change the answer's columns).
    /// </summary>
    /// <remarks>
    /// Names follow PostgreSQL's rules, not DuckDB's (which keeps their case as written): an unquoted name is folded to
    /// lower case, a quoted one is taken as written, so <c>SELECT Region … GROUP BY region</c> groups by the selected
    /// column and answers a column named <c>region</c>. Dimensions and metrics are then found in the semantic layer
    /// whatever their case, as REST finds them.
    /// </remarks>
    public static (SqlMetricQuery Query, int Parameters) Translate(JsonObject statement, string sql, SemanticLayer layer, string projectName, IReadOnlyList<object?> parameters)
    {
        var node = statement["node"] as JsonObject;
        if (node is null || Text(node, "type") != "SELECT_NODE" || node["from_table"] is not JsonObject from
            || Text(from, "type") != "BASE_TABLE" || !string.Equals(Text(from, "schema_name"), Schema, StringComparison.OrdinalIgnoreCase))
            throw Refused("a metric relation is read on its own, not inside a join, subquery, CTE or set operation (that would aggregate metric values again)");
        if (node["cte_map"]?["map"] is JsonArray { Count: > 0 })
            throw Refused("a WITH clause beside a metric relation is not served");
        var relation = Text(from, "table_name");
        // <project>.metrics.orders names the same relation, as the project's name qualifies datasets.
        if (Text(from, "catalog_name") is { Length: > 0 } catalog && !string.Equals(catalog, projectName, StringComparison.OrdinalIgnoreCase))
            throw new NotFoundException($"relation \"{catalog}.{Schema}.{relation}\" does not exist");
        var model = layer.FindModel(relation) ?? throw new NotFoundException($"relation \"{Schema}.{relation}\" does not exist");
        if (from["sample"] is JsonObject || from["at_clause"] is JsonObject)
            throw Refused($"TABLESAMPLE and AT on {Schema}.{relation} are not served");
        if (node["qualify"] is JsonObject) throw Refused("QUALIFY over a metric relation is not served");
        if (node["sample"] is JsonObject) throw Refused("USING SAMPLE over a metric relation is not served");
        var names = new SqlIdentifiers(sql);
        return new Translation(layer, model, names.Alias(Text(from, "alias")), parameters, names).Run(node);
    }

    private static InvalidRequestException Refused(string what) => new($"{what}; metrics over SQL take the form {Form}", "sql");

    private static string Text(JsonObject? node, string property) =>
        node?[property] is JsonValue value && value.TryGetValue<string>(out var text) ? text : "";

    /// <summary>What one select-list item (or grouped, ordered or filtered expression) stands for.</summary>
    private sealed record Item(ItemKind Kind, string Name, string? Grain = null)
    {
        /// <summary>The same dimension, bucket or measure: the semantic layer finds names whatever their case.</summary>
        public bool Means(Item other) => Kind == other.Kind && Grain == other.Grain && string.Equals(Name, other.Name, StringComparison.OrdinalIgnoreCase);
    }

    private enum ItemKind : byte
    {
        Dimension,
        Time,
        Measure,
    }

    private sealed class Translation(SemanticLayer layer, SemanticModel model, string alias, IReadOnlyList<object?> parameters, SqlIdentifiers identifiers)
    {
        private readonly List<string> _dimensions = [];
        private readonly List<string> _metrics = [];
        private readonly List<string> _filters = [];
        private (string Dimension, string Grain)? _time;
        private int _parameters;

        private string Relation => $"{Schema}.{model.Name}";

        public (SqlMetricQuery, int) Run(JsonObject node)
        {
            var selected = new List<(Item Item, string Name)>();
            foreach (var entry in node["select_list"] as JsonArray ?? [])
            {
                var expression = (JsonObject)entry!;
                if (Text(expression, "class") is "STAR" or "COLUMNS")
                    throw Refused($"SELECT * from {Relation} is not served: name its dimensions and MEASURE(metric)s");
                var item = ItemOf(expression, "the select list");
                var name = Text(expression, "alias") is { Length: > 0 } a ? identifiers.Alias(a) : item.Name;
                selected.Add((item, name));
            }
            if (selected.All(s => s.Item.Kind != ItemKind.Measure))
                throw Refused($"a query of {Relation} names at least one MEASURE(metric)");

            var grouped = new List<Item>();
            if (node["group_sets"] is JsonArray { Count: > 1 })
                throw Refused("GROUPING SETS, ROLLUP and CUBE over a metric relation are not served");
            foreach (var entry in node["group_expressions"] as JsonArray ?? [])
            {
                var item = Resolve((JsonObject)entry!, selected, "GROUP BY");
                if (item.Kind == ItemKind.Measure) throw Refused($"GROUP BY names MEASURE({item.Name}); group by dimensions only");
                grouped.Add(item);
            }
            foreach (var (item, name) in selected)
                if (item.Kind != ItemKind.Measure && !grouped.Any(item.Means))
                    throw new InvalidRequestException($"column \"{name}\" must appear in the GROUP BY clause: a query of {Relation} groups its measures by every dimension it selects", "sql");

            // Every grouped dimension and bucket is asked for, selected or not (grouping by it splits the measures).
            foreach (var item in grouped) Add(item);
            foreach (var (item, _) in selected) Add(item);

            if (node["where_clause"] is JsonObject where)
                foreach (var condition in Conjuncts(where, "WHERE")) Filter(condition, selected, having: false);
            if (node["having"] is JsonObject having)
                foreach (var condition in Conjuncts(having, "HAVING")) Filter(condition, selected, having: true);

            var order = new List<SqlMetricOrder>();
            long? limit = null;
            foreach (var modifier in (node["modifiers"] as JsonArray ?? []).OfType<JsonObject>())
            {
                switch (Text(modifier, "type"))
                {
                    case "ORDER_MODIFIER":
                        foreach (var key in (modifier["orders"] as JsonArray ?? []).OfType<JsonObject>())
                        {
                            if (Text(key, "null_order") is not ("ORDER_DEFAULT" or ""))
                                throw Refused("NULLS FIRST/LAST in ORDER BY over a metric relation is not served");
                            var item = Resolve((JsonObject)key["expression"]!, selected, "ORDER BY");
                            Add(item);
                            order.Add(new SqlMetricOrder(SourceOf(item), Text(key, "type") == "DESCENDING"));
                        }
                        break;
                    case "LIMIT_MODIFIER":
                        if (modifier["offset"] is JsonObject) throw Refused("OFFSET over a metric relation is not served");
                        if (modifier["limit"] is JsonObject l)
                        {
                            var value = Value(l, "LIMIT");
                            limit = value is long n && n >= 0 ? n : throw Refused("LIMIT takes a whole number");
                        }
                        break;
                    case "DISTINCT_MODIFIER":
                        // The answer has one row per group already.
                        break;
                    default:
                        throw Refused($"{Text(modifier, "type")} over a metric relation is not served");
                }
            }

            var query = new MetricQuery
            {
                Metrics = _metrics,
                Dimensions = _dimensions,
                TimeDimension = _time is { Dimension: var d } && !string.Equals(d, "metric_time", StringComparison.OrdinalIgnoreCase) ? d : null,
                Granularity = _time?.Grain,
                Filters = _filters,
                Limit = limit?.ToString(CultureInfo.InvariantCulture),
            };
            var columns = selected.Select(s => new SqlMetricColumn(s.Name, SourceOf(s.Item))).ToList();
            return (new SqlMetricQuery(query, columns, order, model.Name), _parameters);
        }

        /// <summary>Adds what an item asks for to the query (once).</summary>
        private void Add(Item item)
        {
            switch (item.Kind)
            {
                case ItemKind.Dimension when !_dimensions.Contains(item.Name, StringComparer.OrdinalIgnoreCase):
                    _dimensions.Add(item.Name);
                    break;
                case ItemKind.Measure when !_metrics.Contains(item.Name, StringComparer.OrdinalIgnoreCase):
                    _metrics.Add(item.Name);
                    break;
                case ItemKind.Time:
                    if (_time is { } time && (!string.Equals(time.Dimension, item.Name, StringComparison.OrdinalIgnoreCase) || time.Grain != item.Grain))
                        throw Refused($"one time bucket per query: date_trunc('{time.Grain}', {time.Dimension}) and date_trunc('{item.Grain}', {item.Name}) were both asked");
                    _time = (item.Name, item.Grain!);
                    break;
            }
        }

        /// <summary>The planner's answer column an item is: dimensions, then the bucket, then metrics.</summary>
        private int SourceOf(Item item) => item.Kind switch
        {
            ItemKind.Dimension => _dimensions.FindIndex(d => string.Equals(d, item.Name, StringComparison.OrdinalIgnoreCase)),
            ItemKind.Time => _dimensions.Count,
            _ => _dimensions.Count + (_time is null ? 0 : 1) + _metrics.FindIndex(m => string.Equals(m, item.Name, StringComparison.OrdinalIgnoreCase)),
        };

        /// <summary>A select-list expression: a dimension, a time bucket or a measure; anything else is refused, naming it.</summary>
        private Item ItemOf(JsonObject expression, string where)
        {
            switch (Text(expression, "class"))
            {
                case "COLUMN_REF":
                    return new Item(ItemKind.Dimension, Column(expression));
                case "FUNCTION" or "AGGREGATE":
                    var name = Text(expression, "function_name").ToLowerInvariant();
                    var children = expression["children"] as JsonArray ?? [];
                    if (name == "measure")
                    {
                        if (children.Count != 1 || children[0] is not JsonObject inner || Text(inner, "class") != "COLUMN_REF")
                            throw Refused("MEASURE takes one metric name, as MEASURE(revenue)");
                        var metric = Column(inner);
                        if (!IsOwnMetric(metric))
                            throw new InvalidRequestException($"MEASURE({metric}): '{metric}' is not a metric of {Relation}", "sql");
                        return new Item(ItemKind.Measure, metric);
                    }
                    if (name is "date_trunc" or "datetrunc" or "time_bucket")
                    {
                        if (children.Count != 2 || children[0] is not JsonObject grain || Value(grain, "date_trunc") is not string g
                            || children[1] is not JsonObject column || Text(column, "class") != "COLUMN_REF")
                            throw Refused("a time bucket is date_trunc('month', time_dimension)");
                        if (!TimeGrains.TryParse(g, out var parsed))
                            throw new InvalidRequestException($"date_trunc('{g}', …): unknown granularity (expected one of: {TimeGrains.Allowed})", "sql");
                        return new Item(ItemKind.Time, Column(column), parsed.Name());
                    }
                    if (IsAggregate(name))
                        throw new InvalidRequestException(
                            $"{name}(…) in {where} of {Relation} is not served: a metric is aggregated once, by its definition; write MEASURE(metric) instead", "sql");
                    throw Refused($"the function {name}(…) in {where} of {Relation} is not served");
                default:
                    throw Refused($"the expression in {where} of {Relation} ({Text(expression, "type").ToLowerInvariant()}) is not served");
            }
        }

        /// <summary>A GROUP BY or ORDER BY expression: a position in the select list, an output name, or an item.</summary>
        private Item Resolve(JsonObject expression, List<(Item Item, string Name)> selected, string clause)
        {
            if (Text(expression, "class") == "CONSTANT")
            {
                if (Value(expression, clause) is long position && position >= 1 && position <= selected.Count) return selected[(int)position - 1].Item;
                throw new InvalidRequestException($"{clause} position is not in the select list (1 to {selected.Count})", "sql");
            }
            // An output name, compared as PostgreSQL compares names once folded: exactly.
            if (Text(expression, "class") == "COLUMN_REF" && expression["column_names"] is JsonArray { Count: 1 }
                && Names(expression) is [var name] && selected.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal)) is { Item: not null } output)
                return output.Item;
            return ItemOf(expression, clause);
        }

        /// <summary>A column reference's name: dimension, prefix.dimension, or the relation's own name (or alias) before it.</summary>
        private string Column(JsonObject reference)
        {
            var names = Names(reference);
            if (names.Count >= 2 && (string.Equals(names[^2], alias, StringComparison.OrdinalIgnoreCase)
                || (alias.Length == 0 && string.Equals(names[^2], model.Name, StringComparison.OrdinalIgnoreCase))))
                names = names[^1..];
            if (names.Count > 2 || names.Count == 0) throw new InvalidRequestException($"column \"{string.Join('.', names)}\" of {Relation} does not exist", "sql");
            return string.Join('.', names);
        }

        /// <summary>A column reference's names, each folded or kept as PostgreSQL would (see <see cref="SqlIdentifiers"/>).</summary>
        private List<string> Names(JsonObject reference) =>
            identifiers.Reference((reference["column_names"] as JsonArray ?? []).Select(n => n!.GetValue<string>()).ToList(),
                reference["query_location"] is JsonValue at && at.TryGetValue<long>(out var location) ? location : -1);

        /// <summary>A metric of this relation: its measures live in the relation's model (a measure's own name counts too).</summary>
        private bool IsOwnMetric(string name)
        {
            var measures = layer.MeasuresOf(name);
            return measures.Count > 0 && string.Equals(measures[0].Model, model.Name, StringComparison.OrdinalIgnoreCase);
        }

        private static bool IsAggregate(string name) => name is "sum" or "count" or "count_star" or "avg" or "mean" or "min" or "max" or "median"
            or "stddev" or "stddev_pop" or "stddev_samp" or "variance" or "var_pop" or "var_samp" or "any_value" or "first" or "last" or "arg_min" or "arg_max"
            or "string_agg" or "array_agg" or "list" or "quantile" or "quantile_cont" or "quantile_disc" or "percentile_cont" or "percentile_disc"
            or "approx_count_distinct" or "bool_and" or "bool_or" or "product" or "mode" or "histogram" or "sumkahan" or "fsum" or "favg";

        /// <summary>The conditions of a WHERE or HAVING joined by AND; OR and NOT are refused (write IN).</summary>
        private static IEnumerable<JsonObject> Conjuncts(JsonObject condition, string clause)
        {
            if (Text(condition, "class") == "CONJUNCTION")
            {
                if (Text(condition, "type") != "CONJUNCTION_AND")
                    throw Refused($"OR in {clause} over a metric relation is not served; write dimension IN (…) for alternatives of one dimension");
                foreach (var child in (condition["children"] as JsonArray ?? []).OfType<JsonObject>())
                    foreach (var inner in Conjuncts(child, clause)) yield return inner;
                yield break;
            }
            yield return condition;
        }

        /// <summary>A condition on a dimension (WHERE: before aggregation) or a measure (HAVING: after), as REST's name:op:value.</summary>
        private void Filter(JsonObject condition, List<(Item Item, string Name)> selected, bool having)
        {
            var clause = having ? "HAVING" : "WHERE";
            JsonObject subject;
            string op;
            List<JsonObject> operands;
            switch (Text(condition, "class"))
            {
                case "COMPARISON":
                    var left = (JsonObject)condition["left"]!;
                    var right = (JsonObject)condition["right"]!;
                    var flipped = IsValue(left) && !IsValue(right);
                    (subject, var value) = flipped ? (right, left) : (left, right);
                    op = Text(condition, "type") switch
                    {
                        "COMPARE_EQUAL" => "eq",
                        "COMPARE_NOTEQUAL" => "ne",
                        "COMPARE_LESSTHAN" => flipped ? "gt" : "lt",
                        "COMPARE_LESSTHANOREQUALTO" => flipped ? "ge" : "le",
                        "COMPARE_GREATERTHAN" => flipped ? "lt" : "gt",
                        "COMPARE_GREATERTHANOREQUALTO" => flipped ? "le" : "ge",
                        var other => throw Refused($"the comparison {other.Replace("COMPARE_", "", StringComparison.Ordinal).ToLowerInvariant()} in {clause} is not served"),
                    };
                    operands = [value];
                    break;
                case "BETWEEN":
                    subject = (JsonObject)condition["input"]!;
                    op = "between";
                    operands = [(JsonObject)condition["lower"]!, (JsonObject)condition["upper"]!];
                    break;
                case "OPERATOR" when Text(condition, "type") == "COMPARE_IN":
                    var items = (condition["children"] as JsonArray ?? []).OfType<JsonObject>().ToList();
                    subject = items[0];
                    op = "in";
                    operands = items.Skip(1).ToList();
                    break;
                case "OPERATOR" when Text(condition, "type") is "OPERATOR_IS_NULL" or "OPERATOR_IS_NOT_NULL":
                    subject = (JsonObject)condition["children"]![0]!;
                    op = Text(condition, "type") == "OPERATOR_IS_NULL" ? "isnull" : "notnull";
                    operands = [];
                    break;
                case "FUNCTION" when Text(condition, "function_name") == "~~":
                    subject = (JsonObject)condition["children"]![0]!;
                    op = "like";
                    operands = [(JsonObject)condition["children"]![1]!];
                    break;
                default:
                    throw Refused($"this condition in {clause} ({Text(condition, "type").ToLowerInvariant()}) is not served; conditions are dimension op value joined by AND (=, <>, <, <=, >, >=, IN, BETWEEN, LIKE, IS [NOT] NULL)");
            }
            var item = Resolve(subject, selected, clause);
            if (having != (item.Kind == ItemKind.Measure))
                throw new InvalidRequestException(having
                    ? $"HAVING over {Relation} compares MEASURE(metric)s; a condition on a dimension belongs in WHERE"
                    : $"WHERE over {Relation} filters dimensions, before aggregation; a condition on MEASURE({item.Name}) belongs in HAVING", "sql");
            if (item.Kind == ItemKind.Time)
                throw Refused("a condition on a time bucket is not served; filter the time dimension itself (ordered_at >= DATE '2026-01-01')");
            var values = new List<string>();
            foreach (var operand in operands)
            {
                var value = Value(operand, clause);
                if (value is Unbound) return;   // described, not run: the answer's columns do not depend on it
                if (value is null) throw Refused($"a comparison with NULL in {clause} matches nothing; write IS NULL or IS NOT NULL");
                values.Add(Format(value));
            }
            if (having) Add(item);
            var text = op is "in" or "between" ? string.Join(',', values.Select(v => v.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(",", "\\,", StringComparison.Ordinal)))
                : values.Count == 0 ? "" : values[0];
            _filters.Add(op is "isnull" or "notnull" ? $"{item.Name}:{op}" : $"{item.Name}:{op}:{text}");
        }

        private static bool IsValue(JsonObject expression) => Text(expression, "class") is "CONSTANT" or "PARAMETER" or "CAST";

        /// <summary>A literal, a cast literal (DATE '2026-01-01') or a bound $n, as a .NET value.</summary>
        private object? Value(JsonObject expression, string clause)
        {
            switch (Text(expression, "class"))
            {
                case "CONSTANT":
                    var value = expression["value"] as JsonObject;
                    if (value?["is_null"]?.GetValue<bool>() == true) return null;
                    var raw = value?["value"];
                    var type = Text(value?["type"] as JsonObject, "id");
                    if (raw is not JsonValue v) throw Refused($"a literal of type {type} in {clause} is not served");
                    if (type == "DECIMAL" && v.GetValueKind() == JsonValueKind.Number)
                    {
                        var scale = value!["type"]!["type_info"]?["scale"]?.GetValue<int>() ?? 0;
                        return v.GetValue<decimal>() / (decimal)Math.Pow(10, scale);
                    }
                    return v.GetValueKind() switch
                    {
                        JsonValueKind.Number when v.TryGetValue<long>(out var l) => l,
                        JsonValueKind.Number => v.GetValue<double>(),
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        _ => v.GetValue<string>(),
                    };
                case "CAST" when expression["child"] is JsonObject child && Text(child, "class") is "CONSTANT" or "PARAMETER":
                    var inner = Value(child, clause);
                    return Text(expression["cast_type"] as JsonObject, "id") == "BOOLEAN" && inner is string s
                        ? s.ToLowerInvariant() is "t" or "true" or "1" or "yes" or "on" : inner;
                case "PARAMETER":
                    var id = int.Parse(Text(expression, "identifier"), NumberStyles.None, CultureInfo.InvariantCulture);
                    _parameters = Math.Max(_parameters, id);
                    if (parameters.Count == 0) return Unbound.Instance;
                    if (id > parameters.Count) throw new InvalidRequestException($"parameter ${id} is not bound ({parameters.Count} value(s) were bound)", "parameters");
                    return parameters[id - 1];
                default:
                    throw Refused($"{clause} compares with a literal or a $n parameter, not an expression ({Text(expression, "type").ToLowerInvariant()})");
            }
        }

        private static string Format(object value) => value switch
        {
            string s => s,
            bool b => b ? "true" : "false",
            DateTime t => t.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
            DateTimeOffset o => o.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
            DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
    }

    /// <summary>A $n without a value (the statement is being described).</summary>
    private sealed class Unbound
    {
        public static Unbound Instance { get; } = new();
    }
}
