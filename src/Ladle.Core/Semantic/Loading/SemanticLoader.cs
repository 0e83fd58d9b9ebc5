using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Ladle.Core.Errors;
using Ladle.Core.Loading;
using Ladle.Core.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Ladle.Core.Semantic.Loading;

/// <summary>
/// Loads models/*.yaml: semantic models over datasets and the metrics made of them. Every problem is recorded
/// with file:line:column and a hint, all of them, like the rest of the project's loading.
/// </summary>
internal static partial class SemanticLoader
{
    public const string ModelsFolder = "models";

    private static readonly string[] FileKeys =
        ["name", "dataset", "description", "owner", "default_time", "entities", "dimensions", "measures", "joins", "rollups", "metrics"];

    /// <summary>Reads and compiles every model and metric; problems go to <paramref name="diagnostics"/>.</summary>
    public static SemanticLayer Load(string root, IReadOnlyList<DatasetDefinition> datasets, DiagnosticBag diagnostics)
    {
        var folder = Path.Combine(root, ModelsFolder);
        if (!Directory.Exists(folder)) return SemanticLayer.Empty;
        var clock = Stopwatch.StartNew();
        var before = diagnostics.Items.Count;
        var files = Directory.EnumerateFiles(folder, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();
        var fingerprint = new StringBuilder();
        var models = new List<SemanticModel>();
        var metricNodes = new List<(YamlNode Node, string File, SemanticModel? Model)>();
        foreach (var path in files)
        {
            var display = Path.GetRelativePath(root, path).Replace('\\', '/');
            fingerprint.Append(display).Append('\n').Append(File.ReadAllText(path)).Append('\n');
            var node = ProjectLoader.ReadYaml(path, display, diagnostics, "write a model (dataset:, entities:, dimensions:, measures:) or metrics:");
            if (node is null) continue;
            var map = new YamlMap(node, display, diagnostics, "a models file", FileKeys);
            SemanticModel? model = null;
            var namesModel = map.Node("dataset") is not null || map.Node("name") is not null;
            if (namesModel)
            {
                model = ReadModel(map, display, datasets, diagnostics);
                if (model is not null)
                {
                    if (models.FirstOrDefault(m => string.Equals(m.Name, model.Name, StringComparison.OrdinalIgnoreCase)) is { } first)
                        diagnostics.Add(model.Location, $"model '{model.Name}' is already defined at {first.Location}", "model names must be unique; rename one with 'name:'");
                    else models.Add(model);
                }
            }
            else
            {
                foreach (var key in new[] { "entities", "dimensions", "measures", "joins", "rollups", "default_time" })
                    if (map.Node(key) is { } stray)
                        diagnostics.Add(map.KeyLocation(key), $"'{key}' belongs to a model, and this file names no dataset", "add 'dataset: <name>' at the top, or keep only 'metrics:' in this file");
            }
            // A model that could not be read has said why; its metrics would only add errors about its measures.
            if (map.Sequence("metrics") is { } metrics && (model is not null || !namesModel))
                foreach (var item in metrics) metricNodes.Add((item, display, model));
        }

        CheckMeasureNames(models, diagnostics);
        var reach = JoinGraph.Build(models, diagnostics);
        var metricsList = ReadMetrics(metricNodes, models, diagnostics);
        if (diagnostics.Items.Count > before) return SemanticLayer.Empty;

        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(fingerprint.ToString())).AsSpan(0, 8)).ToLowerInvariant();
        return new SemanticLayer(models, metricsList, reach, hash, clock.Elapsed);
    }

    private static SemanticModel? ReadModel(YamlMap map, string file, IReadOnlyList<DatasetDefinition> datasets, DiagnosticBag diagnostics)
    {
        var datasetName = map.String("dataset", required: true);
        if (datasetName is null) return null;
        var dataset = datasets.FirstOrDefault(d => string.Equals(d.Name, datasetName, StringComparison.OrdinalIgnoreCase));
        if (dataset is null)
        {
            diagnostics.Add(map.At(map.Node("dataset")!), $"model over unknown dataset '{datasetName}'",
                Suggest.Hint(datasetName, datasets.Select(d => d.Name).ToList()) + $"; datasets are declared in {ProjectLoader.DatasetsFolder}/");
            return null;
        }
        if (dataset.Columns.Count == 0)
        {
            diagnostics.Add(map.At(map.Node("dataset")!), $"dataset '{dataset.Name}' declares no columns, so its model cannot be checked",
                $"declare 'columns:' in {dataset.File} (their types type the dimensions and measures)");
            return null;
        }
        var name = map.String("name") ?? dataset.Name;
        if (!ProjectLoader.IsIdentifier(name))
            diagnostics.Add(map.At(map.Node("name")!), $"model name '{name}' is not a valid name", "use letters, digits and underscores, starting with a letter");

        var context = new ModelContext(name, dataset, file, diagnostics);
        var entities = ReadEntities(map, context);
        var dimensions = ReadDimensions(map, context);
        var measures = ReadMeasures(map, context);
        var names = new Dictionary<string, SourceLocation>(StringComparer.OrdinalIgnoreCase);
        foreach (var (n, at) in dimensions.Select(d => (d.Name, d.Location)).Concat(entities.Select(e => (e.Name, e.Location))))
        {
            if (names.TryGetValue(n, out var other))
                diagnostics.Add(at, $"'{n}' names both a dimension and an entity of model '{name}' (the other at {other})", "rename one: queries group by either name");
            else names[n] = at;
        }

        var defaultTime = map.String("default_time");
        if (defaultTime is not null)
        {
            var dimension = dimensions.FirstOrDefault(d => string.Equals(d.Name, defaultTime, StringComparison.OrdinalIgnoreCase));
            if (dimension is null)
                diagnostics.Add(map.At(map.Node("default_time")!), $"default_time '{defaultTime}' is not a dimension of model '{name}'",
                    Suggest.Hint(defaultTime, dimensions.Where(d => d.Kind == DimensionKind.Time).Select(d => d.Name).ToList()));
            else if (dimension.Kind != DimensionKind.Time)
                diagnostics.Add(map.At(map.Node("default_time")!), $"default_time '{defaultTime}' is a {dimension.Kind.ToString().ToLowerInvariant()} dimension, not a time dimension",
                    "name a dimension of type time (a date or timestamp column)");
            else defaultTime = dimension.Name;
        }
        else if (dimensions.Count(d => d.Kind == DimensionKind.Time) == 1)
        {
            // One time dimension is the obvious default; with several, the model must say.
            defaultTime = dimensions.Single(d => d.Kind == DimensionKind.Time).Name;
        }

        return new SemanticModel
        {
            Name = name,
            Dataset = dataset,
            Description = map.String("description") ?? dataset.Description,
            Owner = map.String("owner") ?? dataset.Owner,
            Entities = entities,
            Dimensions = dimensions,
            Measures = measures,
            DefaultTime = defaultTime,
            Joins = ReadJoins(map, context),
            File = file,
            Location = map.Location,
            Rollups = ReadRollups(map, context, dimensions, measures),
        };
    }

    private static void CheckMeasureNames(IReadOnlyList<SemanticModel> models, DiagnosticBag diagnostics)
    {
        var seen = new Dictionary<string, MeasureDefinition>(StringComparer.OrdinalIgnoreCase);
        foreach (var measure in models.SelectMany(m => m.Measures))
        {
            if (seen.TryGetValue(measure.Name, out var first))
                diagnostics.Add(measure.Location, $"measure '{measure.Name}' is already defined in model '{first.Model}' at {first.Location}",
                    "measure names are unique across the project so metrics can name them alone; rename one");
            else seen[measure.Name] = measure;
        }
    }

    /// <summary>The location of character <paramref name="offset"/> of a scalar, when the scalar is on one line.</summary>
    internal static SourceLocation Within(string file, YamlNode? node, SourceLocation fallback, string text, int offset)
    {
        if (node is not YamlScalarNode scalar || text.Contains('\n') || scalar.Style is ScalarStyle.Literal or ScalarStyle.Folded) return fallback;
        var quote = scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted ? 1 : 0;
        return new SourceLocation(file, (int)node.Start.Line, (int)node.Start.Column + quote + offset);
    }

    /// <summary>What reading one model's members needs to know.</summary>
    internal sealed record ModelContext(string Model, DatasetDefinition Dataset, string File, DiagnosticBag Diagnostics)
    {
        public IReadOnlyList<string> ColumnNames { get; } = Dataset.Columns.Select(c => c.Name).ToList();
    }
}
