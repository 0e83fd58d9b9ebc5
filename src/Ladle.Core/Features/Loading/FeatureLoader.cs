using Ladle.Core.Errors;
using Ladle.Core.Loading;
using Ladle.Core.Model;
using Ladle.Core.Semantic;
using YamlDotNet.RepresentationModel;

namespace Ladle.Core.Features.Loading;

/// <summary>
/// Loads features/*.yaml: feature views over datasets and feature services over views. Every problem is recorded
/// with file:line:column and a hint, all of them at once, like the rest of the project's loading.
/// </summary>
internal static class FeatureLoader
{
    public const string FeaturesFolder = "features";

    private static readonly string[] FileKeys = ["feature_views", "feature_services"];
    private static readonly string[] ViewKeys = ["name", "dataset", "description", "owner", "entities", "event_timestamp", "created_timestamp", "ttl", "features"];
    private static readonly string[] FeatureKeys = ["name", "column", "sql", "type", "description", "aggregate", "window"];
    private static readonly string[] ServiceKeys = ["name", "description", "owner", "features"];

    /// <summary>Reads every feature view and service; problems go to <paramref name="diagnostics"/>.</summary>
    public static FeatureRegistry Load(string root, IReadOnlyList<DatasetDefinition> datasets, DiagnosticBag diagnostics)
    {
        var folder = Path.Combine(root, FeaturesFolder);
        if (!Directory.Exists(folder)) return FeatureRegistry.Empty;
        var before = diagnostics.Items.Count;
        var files = Directory.EnumerateFiles(folder, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();
        var views = new List<FeatureView>();
        var failed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var serviceNodes = new List<(YamlNode Node, string File)>();
        foreach (var path in files)
        {
            var display = Path.GetRelativePath(root, path).Replace('\\', '/');
            var node = ProjectLoader.ReadYaml(path, display, diagnostics, "write feature_views: and/or feature_services:");
            if (node is null) continue;
            var map = new YamlMap(node, display, diagnostics, "a features file", FileKeys);
            if (map.Node("feature_views") is null && map.Node("feature_services") is null)
                diagnostics.Add(map.Location, "the file defines neither feature_views nor feature_services", "add 'feature_views:' (a list of views over datasets) or 'feature_services:'");
            foreach (var item in map.Sequence("feature_views") ?? [])
            {
                if (ReadView(item, display, datasets, diagnostics) is not { } view)
                {
                    if (item is YamlMappingNode m && m.Children.TryGetValue(new YamlScalarNode("name"), out var n) && n is YamlScalarNode { Value: { } failedName }) failed.Add(failedName);
                    continue;
                }
                if (views.FirstOrDefault(v => string.Equals(v.Name, view.Name, StringComparison.OrdinalIgnoreCase)) is { } first)
                    diagnostics.Add(view.Location, $"feature view '{view.Name}' is already defined at {first.Location}", "feature view names must be unique");
                else views.Add(view);
            }
            foreach (var item in map.Sequence("feature_services") ?? []) serviceNodes.Add((item, display));
        }
        var services = new List<FeatureService>();
        foreach (var (node, file) in serviceNodes)
        {
            if (ReadService(node, file, views, failed, diagnostics) is not { } service) continue;
            if (services.FirstOrDefault(s => string.Equals(s.Name, service.Name, StringComparison.OrdinalIgnoreCase)) is { } first)
                diagnostics.Add(service.Location, $"feature service '{service.Name}' is already defined at {first.Location}", "feature service names must be unique");
            else services.Add(service);
        }
        return diagnostics.Items.Count > before ? FeatureRegistry.Empty : new FeatureRegistry(views, services);
    }

    private static FeatureView? ReadView(YamlNode node, string file, IReadOnlyList<DatasetDefinition> datasets, DiagnosticBag diagnostics)
    {
        if (node is not YamlMappingNode mapping)
        {
            diagnostics.Add(YamlMap.At(file, node), $"a feature view must be a mapping (name, dataset, entities, event_timestamp, features), not a {YamlMap.Describe(node)}");
            return null;
        }
        var map = new YamlMap(mapping, file, diagnostics, "a feature view", ViewKeys);
        var name = map.String("name", required: true);
        if (name is not null && !ProjectLoader.IsIdentifier(name))
            diagnostics.Add(map.At(map.Node("name")!), $"feature view name '{name}' is not a valid name", "use letters, digits and underscores, starting with a letter");
        var what = name is null ? "feature view" : $"feature view '{name}'";
        var datasetName = map.String("dataset", required: true);
        DatasetDefinition? dataset = null;
        if (datasetName is not null)
        {
            dataset = datasets.FirstOrDefault(d => string.Equals(d.Name, datasetName, StringComparison.OrdinalIgnoreCase));
            if (dataset is null)
                diagnostics.Add(map.At(map.Node("dataset")!), $"{what} reads dataset '{datasetName}', which does not exist", Suggest.Hint(datasetName, datasets.Select(d => d.Name).ToList()));
            else if (dataset.Columns.Count == 0)
            {
                diagnostics.Add(map.At(map.Node("dataset")!), $"{what} reads dataset '{dataset.Name}', which declares no columns",
                    $"declare the columns of '{dataset.Name}' in {dataset.File}: features are checked against them");
                dataset = null;
            }
        }

        string? Column(string key, bool required, Func<LadleType, bool>? typeOk = null, string? typeHint = null)
        {
            var text = map.String(key, required);
            if (text is null || dataset is null) return text;
            var column = dataset.FindColumn(text);
            if (column is null)
            {
                diagnostics.Add(map.At(map.Node(key)!), $"'{key}' of {what} is '{text}', not a column of dataset '{dataset.Name}'",
                    Suggest.Hint(text, dataset.Columns.Select(c => c.Name).ToList()));
                return null;
            }
            if (typeOk is not null && !typeOk(column.Type))
            {
                diagnostics.Add(map.At(map.Node(key)!), $"'{key}' of {what} is column '{column.Name}' of type {column.Type.Name()}", typeHint);
                return null;
            }
            return column.Name;
        }

        static bool IsTime(LadleType t) => t is LadleType.Timestamp or LadleType.Date;
        var eventColumn = Column("event_timestamp", required: true, IsTime, "use a timestamp or date column: it places each row in time");
        var createdColumn = Column("created_timestamp", required: false, IsTime, "use a timestamp or date column: when the row became known");

        TimeSpan? ttl = null;
        if (map.String("ttl") is { } ttlText)
        {
            if (Durations.TryParse(ttlText, out var parsed)) ttl = parsed;
            else diagnostics.Add(map.At(map.Node("ttl")!), $"'ttl' of {what} is '{ttlText}', not a duration", $"write {Durations.Expected}; leave it out for features that never expire");
        }

        var entities = new List<string>();
        var entityList = map.StringList("entities");
        if (entityList.Count == 0 && map.Node("entities") is null)
            diagnostics.Add(map.Location, $"{what} has no 'entities'", "add 'entities: [<key column>]': the columns an entity row is matched on");
        foreach (var (entity, at) in entityList)
        {
            if (dataset is null) continue;
            var column = dataset.FindColumn(entity);
            if (column is null)
                diagnostics.Add(at, $"entity '{entity}' of {what} is not a column of dataset '{dataset.Name}'", Suggest.Hint(entity, dataset.Columns.Select(c => c.Name).ToList()));
            else if (column.Type is LadleType.Double)
                diagnostics.Add(at, $"entity '{entity}' of {what} is a double column", "key entities by a string, integer, decimal, boolean, date or timestamp column: doubles do not compare exactly");
            else if (entities.Contains(column.Name, StringComparer.OrdinalIgnoreCase))
                diagnostics.Add(at, $"entity '{entity}' of {what} is listed twice");
            else entities.Add(column.Name);
        }

        var features = new List<FeatureDefinition>();
        var featureNodes = map.Sequence("features");
        if (featureNodes is null) diagnostics.Add(map.Location, $"{what} has no 'features'", "add 'features:' with at least one '- name: … column: …'");
        foreach (var item in featureNodes ?? [])
        {
            if (ReadFeature(item, file, what, dataset, diagnostics) is not { } feature) continue;
            if (features.Any(f => string.Equals(f.Name, feature.Name, StringComparison.OrdinalIgnoreCase)))
                diagnostics.Add(feature.Location, $"feature '{feature.Name}' is defined twice in {what}");
            else if (entities.Contains(feature.Name, StringComparer.OrdinalIgnoreCase) || string.Equals(feature.Name, PointInTime.EntityTime, StringComparison.OrdinalIgnoreCase))
                diagnostics.Add(feature.Location, $"feature '{feature.Name}' of {what} has the name of an entity row column", "rename the feature: a training set holds both");
            else features.Add(feature);
        }
        if (featureNodes is { Children.Count: 0 }) diagnostics.Add(map.Location, $"{what} lists no features");

        if (name is null || dataset is null || eventColumn is null) return null;
        return new FeatureView
        {
            Name = name,
            Dataset = dataset,
            Entities = entities,
            EventTimestamp = eventColumn,
            CreatedTimestamp = createdColumn,
            Ttl = ttl,
            Features = features,
            Description = map.String("description"),
            Owner = map.String("owner") ?? dataset.Owner,
            File = file,
            Location = map.Location,
        };
    }

    private static FeatureDefinition? ReadFeature(YamlNode node, string file, string view, DatasetDefinition? dataset, DiagnosticBag diagnostics)
    {
        if (node is YamlScalarNode { Value: { Length: > 0 } shorthand })
        {
            // "- temperature" is the column of that name, as it is.
            if (dataset is null) return null;
            if (dataset.FindColumn(shorthand) is not { } declared)
            {
                diagnostics.Add(YamlMap.At(file, node), $"feature '{shorthand}' of {view} is not a column of dataset '{dataset.Name}'",
                    Suggest.Hint(shorthand, dataset.Columns.Select(c => c.Name).ToList()));
                return null;
            }
            return new FeatureDefinition { Name = declared.Name, Column = declared.Name, Reads = [declared.Name], Type = declared.Type, Location = YamlMap.At(file, node) };
        }
        if (node is not YamlMappingNode mapping)
        {
            diagnostics.Add(YamlMap.At(file, node), $"a feature of {view} must be a column name or a mapping (name, column or sql), not a {YamlMap.Describe(node)}");
            return null;
        }
        var map = new YamlMap(mapping, file, diagnostics, $"a feature of {view}", FeatureKeys);
        var name = map.String("name", required: true);
        if (name is not null && !ProjectLoader.IsIdentifier(name))
            diagnostics.Add(map.At(map.Node("name")!), $"feature name '{name}' is not a valid name", "use letters, digits and underscores, starting with a letter");
        var column = map.String("column");
        var sql = map.String("sql");
        var typeText = map.String("type");
        LadleType? type = null;
        if (typeText is not null)
        {
            if (LadleTypes.TryParse(typeText, out var t)) type = t;
            else diagnostics.Add(map.At(map.Node("type")!), $"unknown type '{typeText}'", $"use one of: {LadleTypes.Allowed}");
        }
        var aggregate = ReadAggregate(map, name, view, diagnostics, out var aggregateFailed);
        if (aggregateFailed) return null;
        if (aggregate is not null) return ReadAggregateFeature(map, name, view, dataset, aggregate, column, sql, type, typeText, diagnostics);
        if ((column is null) == (sql is null))
        {
            diagnostics.Add(map.Location, $"feature '{name}' of {view} needs exactly one of 'column' and 'sql'", "write 'column: <a column>' to serve it as it is, or 'sql: <expression>' with 'type:'");
            return null;
        }
        if (dataset is null || name is null) return null;
        if (column is not null)
        {
            var declared = dataset.FindColumn(column);
            if (declared is null)
            {
                diagnostics.Add(map.At(map.Node("column")!), $"feature '{name}' of {view} reads column '{column}', which dataset '{dataset.Name}' does not declare",
                    Suggest.Hint(column, dataset.Columns.Select(c => c.Name).ToList()));
                return null;
            }
            if (type is { } asked && asked != declared.Type)
                diagnostics.Add(map.At(map.Node("type")!), $"feature '{name}' of {view} says type {asked.Name()}, but column '{declared.Name}' is {declared.Type.Name()}", "leave 'type' out for a column feature");
            return new FeatureDefinition
            {
                Name = name, Column = declared.Name, Reads = [declared.Name], Type = declared.Type, Description = map.String("description"), Location = map.Location,
            };
        }
        if (type is null)
        {
            if (typeText is null)
                diagnostics.Add(map.Location, $"feature '{name}' of {view} is an expression without 'type'", $"add 'type:' ({LadleTypes.Allowed}): the answer is cast to it");
            return null;
        }
        if (CheckSql(map, sql!, name, view, dataset, diagnostics) is not { } reads) return null;
        return new FeatureDefinition
        {
            Name = name, Sql = sql, Reads = reads, Type = type.Value, Description = map.String("description"), Location = map.Location,
        };
    }

    /// <summary>The columns an expression reads, or null when it is not one expression over the dataset's columns (said where).</summary>
    private static IReadOnlyList<string>? CheckSql(YamlMap map, string sql, string name, string view, DatasetDefinition dataset, DiagnosticBag diagnostics)
    {
        var (reads, problems) = SqlSnippet.Check(sql, dataset.Columns.Select(c => c.Name).ToList());
        var sqlNode = (YamlScalarNode)map.Node("sql")!;
        var quoted = sqlNode.Style is YamlDotNet.Core.ScalarStyle.DoubleQuoted or YamlDotNet.Core.ScalarStyle.SingleQuoted ? 1 : 0;
        foreach (var problem in problems)
        {
            // Where in the line the problem is, for a one-line expression; the start of the value otherwise.
            var at = map.At(sqlNode);
            if (!sql.Contains('\n', StringComparison.Ordinal)) at = at with { Column = at.Column + quoted + problem.Offset };
            diagnostics.Add(at, $"'sql' of feature '{name}' of {view}: {problem.Message}", "write one expression over the dataset's columns, e.g. humidity * 100");
        }
        return problems.Count > 0 ? null : reads;
    }

    /// <summary>'aggregate' and 'window' of a feature: both or neither; null when neither (a row feature).</summary>
    private static FeatureAggregate? ReadAggregate(YamlMap map, string? name, string view, DiagnosticBag diagnostics, out bool failed)
    {
        failed = false;
        var function = map.String("aggregate");
        var windowText = map.String("window");
        if (function is null && windowText is null) return null;
        var what = $"feature '{name}' of {view}";
        AggregateFunction? parsed = function?.Trim().ToLowerInvariant() switch
        {
            null => null,
            "count" => AggregateFunction.Count,
            "sum" => AggregateFunction.Sum,
            "min" => AggregateFunction.Min,
            "max" => AggregateFunction.Max,
            "avg" or "mean" => AggregateFunction.Avg,
            _ => null,
        };
        if (function is null)
            diagnostics.Add(map.At(map.Node("window")!), $"{what} has a 'window' but no 'aggregate'", "add 'aggregate:' (count, sum, min, max or avg) or remove 'window'");
        else if (parsed is null)
            diagnostics.Add(map.At(map.Node("aggregate")!), $"'aggregate' of {what} is '{function}', not an aggregate function", "use count, sum, min, max or avg (mean)");
        TimeSpan window = default;
        if (windowText is null)
        {
            if (function is not null)
                diagnostics.Add(map.At(map.Node("aggregate")!), $"{what} aggregates without a 'window'", "add 'window:' (e.g. 24h): the trailing time the aggregate covers, ending at each row's time");
        }
        else if (!Durations.TryParse(windowText, out window))
        {
            diagnostics.Add(map.At(map.Node("window")!), $"'window' of {what} is '{windowText}', not a duration", $"write {Durations.Expected}");
        }
        failed = parsed is null || windowText is null || window <= TimeSpan.Zero;
        return failed ? null : new FeatureAggregate(parsed!.Value, window);
    }

    /// <summary>A windowed aggregate of a column, an expression, or (count only) the rows; its type follows from the function and its input.</summary>
    private static FeatureDefinition? ReadAggregateFeature(YamlMap map, string? name, string view, DatasetDefinition? dataset, FeatureAggregate aggregate,
        string? column, string? sql, LadleType? type, string? typeText, DiagnosticBag diagnostics)
    {
        var what = $"feature '{name}' of {view}";
        if (column is not null && sql is not null)
        {
            diagnostics.Add(map.Location, $"{what} aggregates both a 'column' and an 'sql' expression", "keep one of them");
            return null;
        }
        if (column is null && sql is null && aggregate.Function != AggregateFunction.Count)
        {
            diagnostics.Add(map.At(map.Node("aggregate")!), $"{what} says aggregate {aggregate.FunctionName} but not of what",
                "add 'column: <a column>' or 'sql: <expression>' with 'type:'; only count may leave both out (it counts rows)");
            return null;
        }
        if (column is not null && typeText is not null)
        {
            diagnostics.Add(map.At(map.Node("type")!), $"{what} aggregates a column and says 'type'", "leave 'type' out: it follows from the aggregate and the column");
            return null;
        }
        if (sql is not null && type is null)
        {
            if (typeText is null)
                diagnostics.Add(map.Location, $"{what} aggregates an expression without 'type'", $"add 'type:' ({LadleTypes.Allowed}): the expression is cast to it before it is aggregated");
            return null;
        }
        if (dataset is null || name is null) return null;
        IReadOnlyList<string> reads = [];
        LadleType input = LadleType.Integer;
        if (column is not null)
        {
            var declared = dataset.FindColumn(column);
            if (declared is null)
            {
                diagnostics.Add(map.At(map.Node("column")!), $"{what} aggregates column '{column}', which dataset '{dataset.Name}' does not declare",
                    Suggest.Hint(column, dataset.Columns.Select(c => c.Name).ToList()));
                return null;
            }
            column = declared.Name;
            reads = [declared.Name];
            input = declared.Type;
        }
        else if (sql is not null)
        {
            if (CheckSql(map, sql, name, view, dataset, diagnostics) is not { } checkedReads) return null;
            reads = checkedReads;
            input = type!.Value;
        }
        if (aggregate.Function is AggregateFunction.Sum or AggregateFunction.Avg && input is not (LadleType.Integer or LadleType.Double or LadleType.Decimal))
        {
            diagnostics.Add(map.At(map.Node("aggregate")!), $"{what} says aggregate {aggregate.FunctionName} of a {input.Name()} value",
                "sum and avg take integer, double or decimal values; count, min and max take any");
            return null;
        }
        var result = aggregate.Function switch
        {
            AggregateFunction.Count => LadleType.Integer,
            AggregateFunction.Avg => LadleType.Double,
            _ => input,
        };
        return new FeatureDefinition
        {
            Name = name, Column = column, Sql = sql, Reads = reads, Type = result, Aggregate = aggregate, Description = map.String("description"), Location = map.Location,
        };
    }

    private static FeatureService? ReadService(YamlNode node, string file, IReadOnlyList<FeatureView> views, HashSet<string> failed, DiagnosticBag diagnostics)
    {
        if (node is not YamlMappingNode mapping)
        {
            diagnostics.Add(YamlMap.At(file, node), $"a feature service must be a mapping (name, features), not a {YamlMap.Describe(node)}");
            return null;
        }
        var map = new YamlMap(mapping, file, diagnostics, "a feature service", ServiceKeys);
        var name = map.String("name", required: true);
        if (name is not null && !ProjectLoader.IsIdentifier(name))
            diagnostics.Add(map.At(map.Node("name")!), $"feature service name '{name}' is not a valid name", "use letters, digits and underscores, starting with a letter");
        var what = name is null ? "feature service" : $"feature service '{name}'";
        var list = map.StringList("features");
        if (list.Count == 0) diagnostics.Add(map.Location, $"{what} lists no features", "add 'features: [view.feature, other_view.*]'");
        var features = new List<FeatureRef>();
        foreach (var (text, at) in list)
        {
            var dot = text.IndexOf('.', StringComparison.Ordinal);
            if (dot <= 0 || dot == text.Length - 1)
            {
                diagnostics.Add(at, $"feature '{text}' of {what} must be written view.feature", "or view.* for all of a view's features");
                continue;
            }
            var viewName = text[..dot];
            var featureName = text[(dot + 1)..];
            var view = views.FirstOrDefault(v => string.Equals(v.Name, viewName, StringComparison.OrdinalIgnoreCase));
            if (view is null)
            {
                // A view with errors of its own has said so; naming it again here would only repeat them.
                if (failed.Contains(viewName)) continue;
                diagnostics.Add(at, $"{what} names feature view '{viewName}', which does not exist", Suggest.Hint(viewName, views.Select(v => v.Name).ToList()));
                continue;
            }
            var added = featureName == "*" ? view.Features.ToList() : view.Find(featureName) is { } f ? [f] : [];
            if (added.Count == 0)
                diagnostics.Add(at, $"feature view '{view.Name}' has no feature '{featureName}'", Suggest.Hint(featureName, view.Features.Select(x => x.Name).ToList()));
            foreach (var feature in added)
            {
                if (features.FirstOrDefault(x => string.Equals(x.Feature.Name, feature.Name, StringComparison.OrdinalIgnoreCase)) is { } clash)
                    diagnostics.Add(at, $"{what} has two features answering as '{feature.Name}' ({clash.FullName} and {view.Name}.{feature.Name})", "a training set names its columns by feature: keep one of them");
                else features.Add(new FeatureRef(view, feature));
            }
        }
        if (name is null) return null;
        return new FeatureService
        {
            Name = name, Features = features, Description = map.String("description"), Owner = map.String("owner"), File = file, Location = map.Location,
        };
    }
}
