using System.Globalization;
using System.Text.RegularExpressions;
using Ladle.Core.Errors;
using Ladle.Core.Model;
using YamlDotNet.RepresentationModel;

namespace Ladle.Core.Loading;

public static partial class ProjectLoader
{
    private static readonly string[] CommonCheckKeys = ["name", "type", "severity", "description"];

    private static readonly Dictionary<CheckKind, string[]> CheckKeys = new()
    {
        [CheckKind.NotNull] = ["column", "threshold"],
        [CheckKind.Unique] = ["column", "columns", "threshold"],
        [CheckKind.AcceptedValues] = ["column", "values", "threshold"],
        [CheckKind.Range] = ["column", "min", "max", "inclusive", "threshold"],
        [CheckKind.Regex] = ["column", "pattern", "format", "threshold"],
        [CheckKind.RowCount] = ["min", "max"],
        [CheckKind.Freshness] = ["column", "max_age", "feature_view"],
        [CheckKind.Relationships] = ["column", "to", "field", "threshold"],
        [CheckKind.Schema] = ["allow_extra_columns"],
        [CheckKind.Sql] = ["sql", "threshold"],
        [CheckKind.Anomaly] = ["metric", "column", "max_deviations", "max_change", "history", "min_history"],
    };

    /// <summary>Named formats for regex checks.</summary>
    public static IReadOnlyDictionary<string, string> RegexFormats { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["email"] = @"[^@\s]+@[^@\s]+\.[^@\s]+",
        ["uuid"] = @"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
        ["date"] = @"\d{4}-\d{2}-\d{2}",
    };

    private static List<CheckDefinition> ReadChecks(YamlMap map, string dataset, IReadOnlyList<ColumnDefinition> columns, string file, DiagnosticBag diagnostics)
    {
        var result = new List<CheckDefinition>();
        if (map.Sequence("checks") is not { } seq) return result;
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in seq)
        {
            if (item is not YamlMappingNode node)
            {
                diagnostics.Add(YamlMap.At(file, item), "each check must be a mapping with at least 'type'", "e.g. '- type: not_null\\n    column: id'");
                continue;
            }
            var typeNode = node.Children.TryGetValue(new YamlScalarNode("type"), out var t) ? t as YamlScalarNode : null;
            CheckKind kind = default;
            string? kindError = typeNode?.Value is { } typeText ? YamlMap.ParseEnum(typeText, out kind) : "add 'type: …'";
            if (kindError is null && !CheckKeys.ContainsKey(kind))
            {
                // bad_rows is a check Ladle runs itself, from the dataset's on_bad_rows.
                diagnostics.Add(YamlMap.At(file, typeNode!), $"the {typeNode!.Value} check is built in and cannot be declared",
                    "set 'on_bad_rows: reject' (or quarantine) on the dataset: the check then counts the rejected rows");
                continue;
            }
            var allowed = kindError is null ? CommonCheckKeys.Concat(CheckKeys[kind]).ToArray() : CommonCheckKeys.Concat(CheckKeys.Values.SelectMany(k => k)).Distinct().ToArray();
            var check = new YamlMap(node, file, diagnostics, kindError is null ? $"a {typeNode!.Value} check of '{dataset}'" : $"a check of '{dataset}'", allowed);
            if (kindError is not null)
            {
                diagnostics.Add(typeNode is null ? check.Location : check.At(typeNode),
                    typeNode is null ? $"a check of '{dataset}' has no 'type'" : $"unknown check type '{typeNode.Value}'",
                    typeNode is null ? "expected one of: " + string.Join(", ", CheckKeys.Keys.Select(Snake)) : "expected one of: " + string.Join(", ", CheckKeys.Keys.Select(Snake)));
                continue;
            }
            var parsed = ReadCheck(check, kind, dataset, columns, diagnostics);
            if (parsed is null) continue;
            if (!names.Add(parsed.Name))
            {
                diagnostics.Add(parsed.Location, $"dataset '{dataset}' has two checks named '{parsed.Name}'", "give one of them a 'name:'");
                continue;
            }
            result.Add(parsed);
        }
        return result;
    }

    private static CheckDefinition? ReadCheck(YamlMap check, CheckKind kind, string dataset, IReadOnlyList<ColumnDefinition> columns, DiagnosticBag diagnostics)
    {
        var severity = CheckSeverity.Error;
        if (check.String("severity") is { } severityText && YamlMap.ParseEnum(severityText, out severity) is { } severityHint)
            diagnostics.Add(check.At(check.Node("severity")!), $"unknown severity '{severityText}'", severityHint);

        var threshold = Threshold.None;
        if (check.String("threshold") is { } thresholdText)
        {
            if (Durations.TryParseThreshold(thresholdText, out var value, out var fraction)) threshold = new Threshold(value, fraction);
            else diagnostics.Add(check.At(check.Node("threshold")!), $"threshold '{thresholdText}' is not a count or a percentage", "write e.g. 10 (rows) or 1% (of rows)");
        }

        var checkColumns = new List<string>();
        if (check.String("column") is { } single) checkColumns.Add(single);
        if (kind == CheckKind.Unique) checkColumns.AddRange(check.StringList("columns").Select(c => c.Value));
        var needsColumn = kind is CheckKind.NotNull or CheckKind.Unique or CheckKind.AcceptedValues or CheckKind.Range or CheckKind.Regex or CheckKind.Relationships;
        if (needsColumn && checkColumns.Count == 0)
            diagnostics.Add(check.Location, $"a {Snake(kind)} check needs 'column'", kind == CheckKind.Unique ? "or 'columns: [a, b]'" : null);
        if (columns.Count > 0)
        {
            foreach (var column in checkColumns.Where(c => !columns.Any(d => string.Equals(d.Name, c, StringComparison.OrdinalIgnoreCase))))
                diagnostics.Add(check.KeyLocation(check.Node("column") is not null ? "column" : "columns"),
                    $"check column '{column}' is not a declared column of '{dataset}'", Suggest.Hint(column, columns.Select(c => c.Name).ToList()));
        }

        var name = check.String("name") ?? (checkColumns.Count > 0 ? $"{Snake(kind)}_{string.Join("_", checkColumns)}" : Snake(kind));
        var definition = new CheckDefinition
        {
            Name = name,
            Kind = kind,
            Severity = severity,
            Threshold = threshold,
            Columns = checkColumns,
            Location = check.Location,
        };

        switch (kind)
        {
            case CheckKind.AcceptedValues:
                var values = check.StringList("values").Select(v => v.Value).ToList();
                if (values.Count == 0) diagnostics.Add(check.Location, "an accepted_values check needs 'values: [a, b, …]'");
                return definition with { Values = values };
            case CheckKind.Range:
                var min = check.String("min");
                var max = check.String("max");
                if (min is null && max is null) diagnostics.Add(check.Location, "a range check needs 'min', 'max' or both");
                return definition with { Min = min, Max = max, Inclusive = check.Bool("inclusive") ?? true };
            case CheckKind.Regex:
                var pattern = check.String("pattern");
                if (check.String("format") is { } format)
                {
                    if (RegexFormats.TryGetValue(format, out var known)) pattern ??= known;
                    else diagnostics.Add(check.At(check.Node("format")!), $"unknown format '{format}'", "expected one of: " + string.Join(", ", RegexFormats.Keys));
                }
                if (pattern is null) diagnostics.Add(check.Location, "a regex check needs 'pattern' or 'format' (email, uuid, date)");
                else
                {
                    try { _ = new Regex(pattern); }
                    catch (ArgumentException e) { diagnostics.Add(check.KeyLocation("pattern"), $"pattern is not a valid regular expression: {e.Message}"); }
                }
                return definition with { Pattern = pattern };
            case CheckKind.RowCount:
                var minRows = check.String("min") is { } a ? ParseLong(check, "min", a, diagnostics) : null;
                var maxRows = check.String("max") is { } b ? ParseLong(check, "max", b, diagnostics) : null;
                if (minRows is null && maxRows is null) diagnostics.Add(check.Location, "a row_count check needs 'min', 'max' or both");
                return definition with { MinRows = minRows, MaxRows = maxRows };
            case CheckKind.Freshness:
                if (check.String("feature_view") is { } featureView && checkColumns.Count > 0)
                    diagnostics.Add(check.KeyLocation("feature_view"), "a freshness check measures either a 'column' or a 'feature_view', not both",
                        "a feature view's freshness is the age of its newest event known now: remove 'column'");
                return definition with { MaxAge = ReadDuration(check, "max_age", required: true, diagnostics), FeatureView = check.String("feature_view") };
            case CheckKind.Relationships:
                var to = check.String("to", required: true);
                return definition with { To = to, Field = check.String("field") ?? checkColumns.FirstOrDefault() };
            case CheckKind.Schema:
                if (columns.Count == 0) diagnostics.Add(check.Location, $"a schema check needs the columns of '{dataset}' declared", "declare 'columns:' (the contract the check enforces)");
                return definition with { AllowExtraColumns = check.Bool("allow_extra_columns") ?? true };
            case CheckKind.Sql:
                return definition with { Sql = check.String("sql", required: true) };
            case CheckKind.Anomaly:
                var metricText = check.String("metric", required: true);
                var metric = AnomalyMetric.RowCount;
                if (metricText is not null && YamlMap.ParseEnum(metricText, out metric) is { } metricHint)
                    diagnostics.Add(check.At(check.Node("metric")!), $"unknown anomaly metric '{metricText}'", metricHint);
                if (metric != AnomalyMetric.RowCount && checkColumns.Count == 0)
                    diagnostics.Add(check.Location, $"an anomaly check on {Snake(metric)} needs 'column'");
                double? deviations = check.String("max_deviations") is { } d ? ParseDouble(check, "max_deviations", d, diagnostics) : null;
                double? change = null;
                if (check.String("max_change") is { } c)
                {
                    if (Durations.TryParseThreshold(c, out var v, out var isFraction) && isFraction) change = v;
                    else diagnostics.Add(check.At(check.Node("max_change")!), $"max_change '{c}' is not a percentage", "write e.g. 50%");
                }
                if (deviations is null && change is null)
                    diagnostics.Add(check.Location, "an anomaly check needs 'max_deviations' (standard deviations), 'max_change' (percent) or both");
                var history = check.Int("history", 2, 1000) ?? 10;
                var minHistory = check.Int("min_history", 1, 1000) ?? Math.Min(3, history);
                return definition with { Metric = metric, MaxDeviations = deviations, MaxChange = change, History = history, MinHistory = minHistory };
            default:
                return definition;
        }
    }

    private static FreshnessSlo? ReadFreshnessSlo(YamlMap map, string file, DiagnosticBag diagnostics)
    {
        if (map.Map("freshness") is not { } node) return null;
        var slo = new YamlMap(node, file, diagnostics, "freshness", "max_age", "objective", "window");
        var maxAge = ReadDuration(slo, "max_age", required: true, diagnostics);
        var objective = 0.99;
        if (slo.String("objective") is { } objectiveText)
        {
            if (Durations.TryParseThreshold(objectiveText, out var o, out var isFraction) && isFraction && o is > 0 and <= 1) objective = o;
            else diagnostics.Add(slo.At(slo.Node("objective")!), $"objective '{objectiveText}' is not a percentage", "write e.g. 99% or 99.9%");
        }
        var window = ReadDuration(slo, "window", required: false, diagnostics) ?? TimeSpan.FromDays(30);
        return maxAge is null ? null : new FreshnessSlo { MaxAge = maxAge.Value, Objective = objective, Window = window };
    }

    private static TimeSpan? ReadDuration(YamlMap map, string key, bool required, DiagnosticBag diagnostics)
    {
        var text = map.String(key, required);
        if (text is null) return null;
        if (Durations.TryParse(text, out var duration)) return duration;
        diagnostics.Add(map.At(map.Node(key)!), $"'{key}' is not a duration: '{text}'", "expected " + Durations.Expected);
        return null;
    }

    private static long? ParseLong(YamlMap map, string key, string text, DiagnosticBag diagnostics)
    {
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= 0) return value;
        diagnostics.Add(map.At(map.Node(key)!), $"'{key}' must be a whole number of 0 or more, not '{text}'");
        return null;
    }

    private static double? ParseDouble(YamlMap map, string key, string text, DiagnosticBag diagnostics)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0 && double.IsFinite(value)) return value;
        diagnostics.Add(map.At(map.Node(key)!), $"'{key}' must be a positive number, not '{text}'");
        return null;
    }

    /// <summary>An enum value as users write it: NotNull → not_null.</summary>
    public static string Snake<T>(T value) where T : struct, Enum =>
        Regex.Replace(value.ToString(), "(?<=[a-z])([A-Z])", "_$1").ToLowerInvariant();
}
