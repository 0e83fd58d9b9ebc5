using System.Security.Cryptography;
using System.Text;
using Ladle.Core.Loading;
using YamlDotNet.RepresentationModel;

namespace Ladle.Core.Semantic.Loading;

internal static partial class SemanticLoader
{
    private static readonly string[] RollupKeys = ["name", "measures", "dimensions", "time"];
    private static readonly string[] RollupTimeKeys = ["dimension", "granularity", "zone"];

    private static List<RollupDefinition> ReadRollups(YamlMap map, ModelContext m, IReadOnlyList<DimensionDefinition> dimensions, IReadOnlyList<MeasureDefinition> measures)
    {
        var result = new List<RollupDefinition>();
        foreach (var node in Items(map, "rollups", m, "a rollup", "'- { name: daily, measures: [revenue], dimensions: [region], time: { dimension: ordered_at, granularity: day } }'"))
        {
            var rollup = new YamlMap(node, m.File, m.Diagnostics, $"a rollup of model '{m.Model}'", RollupKeys);
            var name = rollup.String("name", required: true);
            if (name is null) continue;
            CheckName(rollup, name, "rollup", m);
            var ok = true;
            if (m.Dataset.Materialization != Model.Materialization.Table)
            {
                m.Diagnostics.Add(rollup.Location, $"rollup '{name}' is over live dataset '{m.Dataset.Name}', which is never published",
                    "rollups are built when a table dataset publishes; make the dataset 'materialization: table' or remove the rollup");
                ok = false;
            }
            var rollupMeasures = new List<MeasureDefinition>();
            foreach (var (text, at) in rollup.StringList("measures"))
            {
                var measure = measures.FirstOrDefault(x => string.Equals(x.Name, text, StringComparison.OrdinalIgnoreCase));
                if (measure is null)
                {
                    m.Diagnostics.Add(at, $"rollup '{name}' names '{text}', which is not a measure of model '{m.Model}'",
                        Suggest.Hint(text, measures.Select(x => x.Name).ToList()) + "; a rollup holds measures of its own model");
                    ok = false;
                }
                else if (!rollupMeasures.Contains(measure)) rollupMeasures.Add(measure);
            }
            if (rollupMeasures.Count == 0 && ok)
            {
                m.Diagnostics.Add(rollup.Location, $"rollup '{name}' names no measures", "add 'measures: [a, b]'");
                ok = false;
            }
            var rollupDimensions = new List<string>();
            foreach (var (text, at) in rollup.StringList("dimensions"))
            {
                if (text.Contains('.'))
                {
                    m.Diagnostics.Add(at, $"rollup '{name}' names '{text}', a dimension of another model",
                        $"a rollup is built when '{m.Dataset.Name}' publishes, so it holds only the dimensions of model '{m.Model}' (joined dimensions are read at query time)");
                    ok = false;
                    continue;
                }
                var dimension = dimensions.FirstOrDefault(x => string.Equals(x.Name, text, StringComparison.OrdinalIgnoreCase));
                if (dimension is null)
                {
                    m.Diagnostics.Add(at, $"rollup '{name}' names '{text}', which is not a dimension of model '{m.Model}'", Suggest.Hint(text, dimensions.Select(x => x.Name).ToList()));
                    ok = false;
                }
                else if (!rollupDimensions.Contains(dimension.Name)) rollupDimensions.Add(dimension.Name);
            }

            string? timeDimension = null;
            TimeGrain? grain = null;
            var zone = "UTC";
            if (rollup.Map("time") is { } timeNode)
            {
                var time = new YamlMap(timeNode, m.File, m.Diagnostics, $"the time of rollup '{name}'", RollupTimeKeys);
                var dimensionText = time.String("dimension", required: true);
                var grainText = time.String("granularity", required: true);
                var dimension = dimensionText is null ? null : dimensions.FirstOrDefault(x => string.Equals(x.Name, dimensionText, StringComparison.OrdinalIgnoreCase));
                if (dimensionText is not null && dimension?.Kind != DimensionKind.Time)
                {
                    m.Diagnostics.Add(time.At(time.Node("dimension")!), $"rollup '{name}' buckets by '{dimensionText}', which is not a time dimension of model '{m.Model}'",
                        Suggest.Hint(dimensionText, dimensions.Where(x => x.Kind == DimensionKind.Time).Select(x => x.Name).ToList()));
                    ok = false;
                }
                if (grainText is not null)
                {
                    if (!TimeGrains.TryParse(grainText, out var g))
                    {
                        m.Diagnostics.Add(time.At(time.Node("granularity")!), $"unknown granularity '{grainText}'", "expected one of: " + TimeGrains.Allowed);
                        ok = false;
                    }
                    else if (dimension is not null && !dimension.Granularities.Contains(g))
                    {
                        m.Diagnostics.Add(time.At(time.Node("granularity")!), $"'{dimension.Name}' does not offer granularity '{grainText}'",
                            "it offers: " + string.Join(", ", dimension.Granularities.Select(x => x.Name())));
                        ok = false;
                    }
                    else grain = g;
                }
                timeDimension = dimension?.Name;
                zone = dimension?.Zone ?? "UTC";
                if (time.String("zone") is { } zoneText)
                {
                    if (TimeZones.TryFind(zoneText, out var found)) zone = TimeZones.IdOf(found);
                    else
                    {
                        m.Diagnostics.Add(time.At(time.Node("zone")!), $"unknown time zone '{zoneText}'", "expected " + TimeZones.Expected);
                        ok = false;
                    }
                }
            }
            if (!ok) continue;
            if (result.Any(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase)))
            {
                m.Diagnostics.Add(rollup.Location, $"rollup '{name}' is declared twice in model '{m.Model}'");
                continue;
            }

            // Everything that decides the rollup's rows goes into its hash, so a table built for an older
            // definition is never read for the new one.
            // "p2": the layout of partial columns, so tables of an older layout are never read.
            var identity = new StringBuilder("p2|").Append(m.Dataset.Name).Append('|').Append(name).Append('|').Append(timeDimension).Append('|').Append(grain).Append('|').Append(zone);
            foreach (var measure in rollupMeasures)
                identity.Append("|m:").Append(measure.Name).Append(',').Append(measure.Agg).Append(',').Append(measure.Column).Append(',').Append(measure.Sql)
                    .Append(',').Append(measure.Filter).Append(',').Append(measure.Percentile.ToString(System.Globalization.CultureInfo.InvariantCulture));
            foreach (var d in rollupDimensions.Append(timeDimension).OfType<string>().Select(x => dimensions.First(y => y.Name == x)))
                identity.Append("|d:").Append(d.Name).Append(',').Append(d.Column).Append(',').Append(d.Sql);
            var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(identity.ToString())).AsSpan(0, 4)).ToLowerInvariant();

            result.Add(new RollupDefinition
            {
                Name = name,
                Model = m.Model,
                Measures = rollupMeasures.Select(x => x.Name).ToList(),
                Dimensions = rollupDimensions,
                TimeDimension = timeDimension,
                Grain = grain,
                Zone = zone,
                Hash = hash,
                Location = rollup.Location,
            });
        }
        return result;
    }
}
