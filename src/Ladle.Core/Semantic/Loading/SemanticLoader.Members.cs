using System.Globalization;
using Ladle.Core.Errors;
using Ladle.Core.Loading;
using Ladle.Core.Model;
using YamlDotNet.RepresentationModel;

namespace Ladle.Core.Semantic.Loading;

internal static partial class SemanticLoader
{
    private static readonly string[] EntityKeys = ["name", "type", "column", "columns", "entity", "description"];
    private static readonly string[] DimensionKeys = ["name", "type", "column", "sql", "granularities", "zone", "description"];
    private static readonly string[] MeasureKeys = ["name", "agg", "column", "sql", "filter", "percentile", "type", "description"];
    private static readonly string[] JoinKeys = ["name", "to", "via"];

    private static List<EntityDefinition> ReadEntities(YamlMap map, ModelContext m)
    {
        var result = new List<EntityDefinition>();
        foreach (var node in Items(map, "entities", m, "an entity", "'- { name: customer, type: foreign, column: customer_id }'"))
        {
            var entity = new YamlMap(node, m.File, m.Diagnostics, $"an entity of model '{m.Model}'", EntityKeys);
            var name = entity.String("name", required: true);
            var typeText = entity.String("type", required: true);
            if (name is null || typeText is null) continue;
            CheckName(entity, name, "entity", m);
            if (YamlMap.ParseEnum<EntityType>(typeText, out var type) is { } hint)
            {
                m.Diagnostics.Add(entity.At(entity.Node("type")!), $"unknown entity type '{typeText}'", hint);
                continue;
            }
            var columns = entity.StringList("columns").Select(c => (c.Value, c.At)).ToList();
            if (entity.String("column") is { } single) columns.Insert(0, (single, entity.At(entity.Node("column")!)));
            if (columns.Count == 0)
            {
                // The usual spelling of a key: customer → customer_id.
                var guess = m.ColumnNames.FirstOrDefault(c => string.Equals(c, name + "_id", StringComparison.OrdinalIgnoreCase))
                    ?? m.ColumnNames.FirstOrDefault(c => string.Equals(c, name, StringComparison.OrdinalIgnoreCase));
                if (guess is null)
                {
                    m.Diagnostics.Add(entity.Location, $"entity '{name}' names no column, and '{m.Dataset.Name}' has no column '{name}_id' or '{name}'",
                        "add 'column: <the key column>' (or 'columns: [a, b]' for a composite key)");
                    continue;
                }
                columns.Add((guess, entity.Location));
            }
            var resolved = new List<string>();
            foreach (var (column, at) in columns)
            {
                if (Column(m, column) is { } c) resolved.Add(c.Name);
                else m.Diagnostics.Add(at, $"entity column '{column}' is not a column of dataset '{m.Dataset.Name}'", Suggest.Hint(column, m.ColumnNames));
            }
            if (resolved.Count != columns.Count) continue;
            if (result.Any(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase)))
            {
                m.Diagnostics.Add(entity.Location, $"entity '{name}' is declared twice in model '{m.Model}'", "use 'entity:' to give a second key to the same entity another role name");
                continue;
            }
            if (type == EntityType.Primary && result.Any(e => e.Type == EntityType.Primary))
            {
                m.Diagnostics.Add(entity.At(entity.Node("type")!), $"model '{m.Model}' has two primary entities", "one primary key identifies a row; make the other 'unique'");
                continue;
            }
            result.Add(new EntityDefinition
            {
                Name = name,
                Type = type,
                Columns = resolved,
                Refers = entity.String("entity") ?? name,
                Description = entity.String("description"),
                Location = entity.Location,
            });
        }
        return result;
    }

    private static List<DimensionDefinition> ReadDimensions(YamlMap map, ModelContext m)
    {
        var result = new List<DimensionDefinition>();
        foreach (var node in Items(map, "dimensions", m, "a dimension", "'- { name: region }' or '- { name: ordered_at, type: time }'"))
        {
            var dimension = new YamlMap(node, m.File, m.Diagnostics, $"a dimension of model '{m.Model}'", DimensionKeys);
            var name = dimension.String("name", required: true);
            if (name is null) continue;
            CheckName(dimension, name, "dimension", m);
            var sql = dimension.String("sql");
            var columnName = dimension.String("column") ?? (sql is null ? name : null);
            if (sql is not null && dimension.Node("column") is not null)
                m.Diagnostics.Add(dimension.KeyLocation("sql"), $"dimension '{name}' has both 'column' and 'sql'", "keep one of them");

            DimensionKind? declared = null;
            if (dimension.String("type") is { } kindText)
            {
                if (YamlMap.ParseEnum<DimensionKind>(kindText, out var kind) is { } hint)
                {
                    m.Diagnostics.Add(dimension.At(dimension.Node("type")!), $"unknown dimension type '{kindText}'", hint);
                    continue;
                }
                declared = kind;
            }

            LadleType type;
            DimensionKind dimensionKind;
            ColumnDefinition? column = null;
            if (sql is null)
            {
                column = Column(m, columnName!);
                if (column is null)
                {
                    var at = dimension.Node("column") is { } cn ? dimension.At(cn) : dimension.At(dimension.Node("name")!);
                    m.Diagnostics.Add(at, $"dimension '{name}' reads column '{columnName}', which dataset '{m.Dataset.Name}' does not have",
                        Suggest.Hint(columnName!, m.ColumnNames) + (dimension.Node("column") is null ? "; or add 'column:' or 'sql:'" : ""));
                    continue;
                }
                type = column.Type;
                dimensionKind = declared ?? type switch
                {
                    LadleType.Date or LadleType.Timestamp => DimensionKind.Time,
                    LadleType.Boolean => DimensionKind.Boolean,
                    _ => DimensionKind.Categorical,
                };
                if (dimensionKind == DimensionKind.Time && type is not (LadleType.Date or LadleType.Timestamp))
                {
                    m.Diagnostics.Add(dimension.At(dimension.Node("type")!), $"time dimension '{name}' reads '{column.Name}', a {type.Name()} column",
                        "a time dimension needs a date or timestamp column; convert it with 'sql:' (e.g. sql: \"cast(day_text as date)\") and 'type: time'");
                    continue;
                }
                if (dimensionKind == DimensionKind.Boolean && type != LadleType.Boolean)
                    m.Diagnostics.Add(dimension.At(dimension.Node("type")!), $"boolean dimension '{name}' reads '{column.Name}', a {type.Name()} column",
                        "use 'type: categorical', or 'sql:' with a condition (e.g. sql: \"amount > 100\")");
            }
            else
            {
                CheckSql(m, sql, dimension, "sql", $"dimension '{name}'");
                dimensionKind = declared ?? DimensionKind.Categorical;
                type = dimensionKind switch
                {
                    DimensionKind.Boolean => LadleType.Boolean,
                    DimensionKind.Number => LadleType.Double,
                    DimensionKind.Time => LadleType.Timestamp,
                    _ => LadleType.String,
                };
            }

            var granularities = new List<TimeGrain>();
            var zone = "UTC";
            if (dimensionKind == DimensionKind.Time)
            {
                foreach (var (text, at) in dimension.StringList("granularities"))
                {
                    if (!TimeGrains.TryParse(text, out var grain))
                        m.Diagnostics.Add(at, $"unknown granularity '{text}'", "expected one of: " + TimeGrains.Allowed);
                    else if (grain == TimeGrain.Hour && type == LadleType.Date)
                        m.Diagnostics.Add(at, $"'{name}' is a date, so it has no hours", "remove 'hour'");
                    else if (!granularities.Contains(grain)) granularities.Add(grain);
                }
                if (granularities.Count == 0)
                    granularities.AddRange(TimeGrains.All.Where(g => g != TimeGrain.Hour || type == LadleType.Timestamp));
                granularities.Sort();
                if (dimension.String("zone") is { } zoneText)
                {
                    if (!TimeZones.TryFind(zoneText, out var found))
                        m.Diagnostics.Add(dimension.At(dimension.Node("zone")!), $"unknown time zone '{zoneText}'", "expected " + TimeZones.Expected);
                    else zone = TimeZones.IdOf(found);
                }
            }
            else
            {
                foreach (var key in new[] { "granularities", "zone" })
                    if (dimension.Node(key) is not null)
                        m.Diagnostics.Add(dimension.KeyLocation(key), $"'{key}' applies only to time dimensions, and '{name}' is {dimensionKind.ToString().ToLowerInvariant()}");
            }

            if (result.Any(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase)))
            {
                m.Diagnostics.Add(dimension.Location, $"dimension '{name}' is declared twice in model '{m.Model}'");
                continue;
            }
            result.Add(new DimensionDefinition
            {
                Name = name,
                Model = m.Model,
                Kind = dimensionKind,
                Column = column?.Name,
                Sql = sql,
                Type = type,
                Granularities = granularities,
                Zone = zone,
                Description = dimension.String("description") ?? column?.Description,
                Location = dimension.Location,
            });
        }
        return result;
    }

    private static List<MeasureDefinition> ReadMeasures(YamlMap map, ModelContext m)
    {
        var result = new List<MeasureDefinition>();
        foreach (var node in Items(map, "measures", m, "a measure", "'- { name: revenue, agg: sum, column: amount }'"))
        {
            var measure = new YamlMap(node, m.File, m.Diagnostics, $"a measure of model '{m.Model}'", MeasureKeys);
            var name = measure.String("name", required: true);
            var aggText = measure.String("agg", required: true);
            if (name is null || aggText is null) continue;
            CheckName(measure, name, "measure", m);
            if (YamlMap.ParseEnum<Aggregation>(aggText, out var agg) is { } hint)
            {
                m.Diagnostics.Add(measure.At(measure.Node("agg")!), $"unknown aggregation '{aggText}'", hint.Replace("countdistinct", "count_distinct", StringComparison.Ordinal));
                continue;
            }
            var sql = measure.String("sql");
            var columnName = measure.String("column") ?? (sql is null && agg != Aggregation.Count ? name : null);
            if (sql is not null && measure.Node("column") is not null)
                m.Diagnostics.Add(measure.KeyLocation("sql"), $"measure '{name}' has both 'column' and 'sql'", "keep one of them");
            ColumnDefinition? column = null;
            if (columnName is not null)
            {
                column = Column(m, columnName);
                if (column is null)
                {
                    m.Diagnostics.Add(measure.Node("column") is { } cn ? measure.At(cn) : measure.Location,
                        $"measure '{name}' aggregates column '{columnName}', which dataset '{m.Dataset.Name}' does not have",
                        Suggest.Hint(columnName, m.ColumnNames) + (measure.Node("column") is null ? "; name the column with 'column:'" : ""));
                    continue;
                }
            }
            if (sql is not null) CheckSql(m, sql, measure, "sql", $"measure '{name}'");
            var filter = measure.String("filter");
            if (filter is not null) CheckSql(m, filter, measure, "filter", $"the filter of measure '{name}'");

            var numericOnly = agg is Aggregation.Sum or Aggregation.Avg or Aggregation.Median or Aggregation.Percentile;
            if (numericOnly && column is not null && column.Type is not (LadleType.Integer or LadleType.Double or LadleType.Decimal))
            {
                m.Diagnostics.Add(measure.Node("column") is { } cn2 ? measure.At(cn2) : measure.Location,
                    $"measure '{name}' takes the {Snake(agg)} of '{column.Name}', a {column.Type.Name()} column", "use a numeric column, or count / count_distinct");
                continue;
            }
            if (agg != Aggregation.Count && column is null && sql is null)
            {
                m.Diagnostics.Add(measure.Location, $"measure '{name}' ({Snake(agg)}) needs 'column' or 'sql'");
                continue;
            }

            var percentile = 0.5;
            if (measure.String("percentile") is { } pText)
            {
                var parsed = double.TryParse(pText.TrimEnd('%'), NumberStyles.Float, CultureInfo.InvariantCulture, out percentile);
                if (pText.EndsWith('%')) percentile /= 100;
                if (agg != Aggregation.Percentile)
                    m.Diagnostics.Add(measure.KeyLocation("percentile"), $"'percentile' applies to agg: percentile, not {Snake(agg)}");
                else if (!parsed || percentile is <= 0 or >= 1)
                    m.Diagnostics.Add(measure.At(measure.Node("percentile")!), $"percentile '{pText}' is not between 0 and 1", "write e.g. 0.9 or 90%");
            }
            else if (agg == Aggregation.Percentile)
                m.Diagnostics.Add(measure.Location, $"measure '{name}' (percentile) needs 'percentile', e.g. 0.9");

            var type = agg switch
            {
                Aggregation.Count or Aggregation.CountDistinct => LadleType.Integer,
                Aggregation.Avg or Aggregation.Median or Aggregation.Percentile => LadleType.Double,
                _ => column?.Type ?? LadleType.Double,
            };
            if (measure.String("type") is { } typeText)
            {
                if (column is not null || agg is Aggregation.Count or Aggregation.CountDistinct)
                    m.Diagnostics.Add(measure.KeyLocation("type"), $"'type' applies to measures over 'sql:'; measure '{name}' takes its type from its column");
                else if (!LadleTypes.TryParse(typeText, out type))
                    m.Diagnostics.Add(measure.At(measure.Node("type")!), $"unknown type '{typeText}'", "expected one of: " + LadleTypes.Allowed);
            }

            if (result.Any(x => string.Equals(x.Name, name, StringComparison.OrdinalIgnoreCase)))
            {
                m.Diagnostics.Add(measure.Location, $"measure '{name}' is declared twice in model '{m.Model}'");
                continue;
            }
            result.Add(new MeasureDefinition
            {
                Name = name,
                Model = m.Model,
                Agg = agg,
                Column = column?.Name,
                Sql = sql,
                Filter = filter,
                Percentile = percentile,
                Type = type,
                Description = measure.String("description"),
                Location = measure.Location,
            });
        }
        return result;
    }

    private static List<JoinChoice> ReadJoins(YamlMap map, ModelContext m)
    {
        var result = new List<JoinChoice>();
        foreach (var node in Items(map, "joins", m, "a join", "'- { to: customers, via: customer }'"))
        {
            var join = new YamlMap(node, m.File, m.Diagnostics, $"a join of model '{m.Model}'", JoinKeys);
            var to = join.String("to", required: true);
            var via = join.String("via", required: true);
            var name = join.String("name");
            if (to is null || via is null) continue;
            if (name is not null) CheckName(join, name, "join", m);
            result.Add(new JoinChoice(name, to, via.Split('.', StringSplitOptions.TrimEntries), join.Location));
        }
        return result;
    }

    /// <summary>The mappings of a list key; anything else in the list is reported once per item.</summary>
    private static IEnumerable<YamlMappingNode> Items(YamlMap map, string key, ModelContext m, string what, string example)
    {
        if (map.Sequence(key) is not { } seq) yield break;
        foreach (var item in seq)
        {
            if (item is YamlMappingNode node) yield return node;
            else m.Diagnostics.Add(YamlMap.At(m.File, item), $"{what} must be a mapping", $"e.g. {example}");
        }
    }

    private static void CheckName(YamlMap map, string name, string what, ModelContext m)
    {
        if (!ProjectLoader.IsIdentifier(name))
            m.Diagnostics.Add(map.At(map.Node("name")!), $"{what} name '{name}' is not a valid name", "use letters, digits and underscores, starting with a letter");
    }

    private static ColumnDefinition? Column(ModelContext m, string name) => m.Dataset.FindColumn(name);

    private static void CheckSql(ModelContext m, string sql, YamlMap map, string key, string what)
    {
        var (_, problems) = SqlSnippet.Check(sql, m.ColumnNames);
        foreach (var problem in problems)
            m.Diagnostics.Add(Within(m.File, map.Node(key), map.At(map.Node(key)!), sql, problem.Offset), $"{what}: {problem.Message}");
    }

    private static string Snake<T>(T value) where T : struct, Enum => ProjectLoader.Snake(value);
}
