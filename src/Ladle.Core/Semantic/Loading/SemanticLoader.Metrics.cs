using Ladle.Core.Errors;
using Ladle.Core.Loading;
using YamlDotNet.RepresentationModel;

namespace Ladle.Core.Semantic.Loading;

internal static partial class SemanticLoader
{
    private static readonly string[] MetricKeys =
        ["name", "type", "label", "description", "owner", "measure", "numerator", "denominator", "expr", "inputs", "window", "grain_to_date"];
    private static readonly string[] InputKeys = ["metric", "offset", "alias"];

    private static List<MetricDefinition> ReadMetrics(List<(YamlNode Node, string File, SemanticModel? Model)> nodes, IReadOnlyList<SemanticModel> models, DiagnosticBag diagnostics)
    {
        var measures = models.SelectMany(m => m.Measures).GroupBy(m => m.Name, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
        var metrics = new List<MetricDefinition>();
        var exprNodes = new Dictionary<MetricDefinition, YamlMap>();
        foreach (var (node, file, model) in nodes)
        {
            if (node is not YamlMappingNode mapping)
            {
                diagnostics.Add(YamlMap.At(file, node), "a metric must be a mapping", "e.g. '- { name: revenue, type: simple, measure: revenue }'");
                continue;
            }
            var map = new YamlMap(mapping, file, diagnostics, "a metric", MetricKeys);
            var metric = ReadMetric(map, file, model, diagnostics);
            if (metric is null) continue;
            if (metrics.FirstOrDefault(m => string.Equals(m.Name, metric.Name, StringComparison.OrdinalIgnoreCase)) is { } first)
            {
                diagnostics.Add(metric.Location, $"metric '{metric.Name}' is already defined at {first.Location}", "metric names are unique across the project; rename one");
                continue;
            }
            metrics.Add(metric);
            exprNodes[metric] = map;
        }

        var names = metrics.Select(m => m.Name).ToList();
        bool Known(string name) => names.Contains(name, StringComparer.OrdinalIgnoreCase) || measures.ContainsKey(name);
        string Hint(string name) => Suggest.Hint(name, names.Concat(measures.Keys).Distinct(StringComparer.OrdinalIgnoreCase).ToList());
        foreach (var metric in metrics)
        {
            switch (metric.Kind)
            {
                case MetricKind.Simple or MetricKind.Cumulative:
                    if (!measures.TryGetValue(metric.Measure!, out var measure))
                        diagnostics.Add(exprNodes[metric].Node("measure") is { } mn ? exprNodes[metric].At(mn) : metric.Location,
                            $"metric '{metric.Name}' uses unknown measure '{metric.Measure}'", Suggest.Hint(metric.Measure!, measures.Keys.ToList()));
                    else if (metric.Kind == MetricKind.Cumulative && !measure.IsAdditive)
                        diagnostics.Add(metric.Location, $"cumulative metric '{metric.Name}' needs a sum or count measure, and '{measure.Name}' is {Snake(measure.Agg)}",
                            "a running total adds up per-period values, which only sums and counts allow; for distinct counts over a window, add a dataset at that window");
                    break;
                case MetricKind.Ratio:
                    foreach (var side in new[] { metric.Numerator!, metric.Denominator! })
                        if (!Known(side.Metric))
                            diagnostics.Add(side.Location, $"ratio '{metric.Name}' uses unknown metric '{side.Metric}'", Hint(side.Metric));
                    break;
                case MetricKind.Derived:
                    foreach (var input in metric.Inputs)
                        if (!Known(input.Metric))
                            diagnostics.Add(input.Location, $"derived metric '{metric.Name}' uses unknown metric '{input.Metric}'", Hint(input.Metric));
                    foreach (var input in metric.Inputs.Where(i => !metric.Expression!.Names.Contains(i.Alias, StringComparer.OrdinalIgnoreCase)))
                        diagnostics.Add(input.Location, $"input '{input.Alias}' of metric '{metric.Name}' is not used in its expr", "use it in 'expr', or remove it");
                    break;
            }
        }

        var byName = metrics.ToDictionary(m => m.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var metric in metrics)
        {
            var cycle = FindCycle(metric, metric, byName, [], new HashSet<string>(StringComparer.OrdinalIgnoreCase) { metric.Name });
            if (cycle is not null)
                diagnostics.Add(metric.Location, $"metric '{metric.Name}' depends on itself: {string.Join(" → ", cycle)}", "a metric cannot be made of itself");
        }
        return metrics;
    }

    /// <summary>A chain of inputs leading from <paramref name="start"/> back to itself, or null.</summary>
    private static List<string>? FindCycle(MetricDefinition start, MetricDefinition current, Dictionary<string, MetricDefinition> metrics, List<string> path, HashSet<string> visited)
    {
        IReadOnlyList<string> inputs = current.Kind switch
        {
            MetricKind.Ratio => [current.Numerator!.Metric, current.Denominator!.Metric],
            MetricKind.Derived => current.Inputs.Select(i => i.Metric).ToList(),
            _ => [],
        };
        foreach (var input in inputs)
        {
            if (string.Equals(input, start.Name, StringComparison.OrdinalIgnoreCase)) return [.. path, current.Name, start.Name];
            if (metrics.TryGetValue(input, out var next) && visited.Add(next.Name) &&
                FindCycle(start, next, metrics, [.. path, current.Name], visited) is { } cycle)
                return cycle;
        }
        return null;
    }

    private static MetricDefinition? ReadMetric(YamlMap map, string file, SemanticModel? model, DiagnosticBag diagnostics)
    {
        var name = map.String("name", required: true);
        if (name is null) return null;
        if (!ProjectLoader.IsIdentifier(name))
            diagnostics.Add(map.At(map.Node("name")!), $"metric name '{name}' is not a valid name", "use letters, digits and underscores, starting with a letter");

        MetricKind kind;
        if (map.String("type") is { } kindText)
        {
            if (YamlMap.ParseEnum(kindText, out kind) is { } hint)
            {
                diagnostics.Add(map.At(map.Node("type")!), $"unknown metric type '{kindText}'", hint);
                return null;
            }
        }
        else if (map.Node("numerator") is not null || map.Node("denominator") is not null) kind = MetricKind.Ratio;
        else if (map.Node("expr") is not null) kind = MetricKind.Derived;
        else if (map.Node("window") is not null || map.Node("grain_to_date") is not null) kind = MetricKind.Cumulative;
        else kind = MetricKind.Simple;

        var allowed = kind switch
        {
            MetricKind.Simple => new[] { "measure" },
            MetricKind.Ratio => ["numerator", "denominator"],
            MetricKind.Derived => ["expr", "inputs"],
            _ => ["measure", "window", "grain_to_date"],
        };
        foreach (var key in new[] { "measure", "numerator", "denominator", "expr", "inputs", "window", "grain_to_date" }.Except(allowed))
            if (map.Node(key) is not null)
                diagnostics.Add(map.KeyLocation(key), $"'{key}' does not apply to a {kind.ToString().ToLowerInvariant()} metric ('{name}')",
                    $"a {kind.ToString().ToLowerInvariant()} metric takes {string.Join(", ", allowed)}");

        var metric = new MetricDefinition
        {
            Name = name,
            Kind = kind,
            Label = map.String("label"),
            Description = map.String("description"),
            Owner = map.String("owner") ?? model?.Owner,
            File = file,
            Location = map.Location,
        };
        switch (kind)
        {
            case MetricKind.Simple:
                return metric with { Measure = map.String("measure") ?? name };
            case MetricKind.Cumulative:
                Period? window = null;
                TimeGrain? toDate = null;
                if (map.String("window") is { } windowText)
                {
                    if (Period.TryParse(windowText, out var w)) window = w;
                    else diagnostics.Add(map.At(map.Node("window")!), $"window '{windowText}' is not a period", "expected " + Period.Expected);
                }
                if (map.String("grain_to_date") is { } grainText)
                {
                    if (TimeGrains.TryParse(grainText, out var g) && g != TimeGrain.Hour) toDate = g;
                    else diagnostics.Add(map.At(map.Node("grain_to_date")!), $"grain_to_date '{grainText}' is not a period to date", "expected one of: day, week, month, quarter, year");
                }
                if (window is not null && toDate is not null)
                    diagnostics.Add(map.KeyLocation("grain_to_date"), $"cumulative metric '{name}' has both 'window' and 'grain_to_date'",
                        "keep one: a trailing window (7 days) or a period to date (month); with neither, it is a running total");
                return metric with { Measure = map.String("measure") ?? name, Window = window, GrainToDate = toDate };
            case MetricKind.Ratio:
                var numerator = Input(map, "numerator", file, diagnostics);
                var denominator = Input(map, "denominator", file, diagnostics);
                if (numerator is null || denominator is null) return null;
                return metric with { Numerator = numerator, Denominator = denominator };
            default:
                var exprText = map.String("expr", required: true);
                if (exprText is null) return null;
                if (!MetricExpression.TryParse(exprText, out var expression, out var error, out var errorAt))
                {
                    diagnostics.Add(Within(file, map.Node("expr"), map.At(map.Node("expr")!), exprText, errorAt - 1), $"expr of metric '{name}': {error}");
                    return null;
                }
                var inputs = new List<MetricInput>();
                if (map.Sequence("inputs") is { } seq)
                {
                    foreach (var item in seq)
                    {
                        MetricInput? input = item switch
                        {
                            YamlScalarNode { Value: { Length: > 0 } v } => new MetricInput(v, null, v, YamlMap.At(file, item)),
                            YamlMappingNode m => ReadInput(new YamlMap(m, file, diagnostics, $"an input of metric '{name}'", InputKeys), diagnostics),
                            _ => null,
                        };
                        if (input is null) continue;
                        if (inputs.Any(i => string.Equals(i.Alias, input.Alias, StringComparison.OrdinalIgnoreCase)))
                            diagnostics.Add(input.Location, $"two inputs of metric '{name}' are called '{input.Alias}'", "give one an 'alias:'");
                        else inputs.Add(input);
                    }
                }
                // Names in the expression that are not declared inputs are metrics taken as they are.
                foreach (var used in expression!.Names.Where(n => !inputs.Any(i => string.Equals(i.Alias, n, StringComparison.OrdinalIgnoreCase))))
                    inputs.Add(new MetricInput(used, null, used, map.At(map.Node("expr")!)));
                return metric with { Expression = expression, Inputs = inputs };
        }
    }

    private static MetricInput? Input(YamlMap map, string key, string file, DiagnosticBag diagnostics)
    {
        switch (map.Node(key))
        {
            case null:
                diagnostics.Add(map.Location, $"a ratio metric needs '{key}'", $"add '{key}: <metric or measure>'");
                return null;
            case YamlMappingNode node:
                return ReadInput(new YamlMap(node, file, diagnostics, $"the {key}", InputKeys), diagnostics);
            default:
                var text = map.String(key, required: true);
                return text is null ? null : new MetricInput(text, null, text, map.At(map.Node(key)!));
        }
    }

    private static MetricInput? ReadInput(YamlMap map, DiagnosticBag diagnostics)
    {
        var metric = map.String("metric", required: true);
        if (metric is null) return null;
        Period? offset = null;
        if (map.String("offset") is { } offsetText)
        {
            if (Period.TryParse(offsetText, out var p)) offset = p;
            else diagnostics.Add(map.At(map.Node("offset")!), $"offset '{offsetText}' is not a period", "expected " + Period.Expected);
        }
        var alias = map.String("alias") ?? (offset is null ? metric : null);
        if (alias is null)
        {
            diagnostics.Add(map.Location, $"an input with an offset needs an 'alias' to be named by in 'expr'", $"e.g. 'alias: {metric}_previous'");
            return null;
        }
        return new MetricInput(metric, offset, alias, map.Location);
    }
}
