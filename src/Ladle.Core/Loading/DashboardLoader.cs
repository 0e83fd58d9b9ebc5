using Ladle.Core.Errors;
using Ladle.Core.Model.Dashboards;
using Ladle.Core.Semantic;
using Ladle.Core.Semantic.Planning;
using Ladle.Core.Semantic.Queries;
using YamlDotNet.RepresentationModel;

namespace Ladle.Core.Loading;

/// <summary>
/// Loads dashboards/*.yaml. Every tile is a metric query planned against the semantic layer at load, the way the
/// metrics API plans it, so an unknown metric, a dimension its metrics cannot reach, a bad grain, range or filter is
/// reported with file:line:column and a hint, all of them at once, by `ladle validate` and before `ladle serve`.
/// </summary>
internal static class DashboardLoader
{
    public const string DashboardsFolder = "dashboards";

    private static readonly string[] DashboardKeys = ["name", "title", "description", "range", "zone", "granularity", "filters", "tiles"];
    private static readonly string[] FilterKeys = ["dimension", "label", "values", "default"];
    private static readonly string[] TileKeys = ["id", "title", "kind", "metric", "metrics", "by", "granularity", "range", "filters", "order", "limit", "compare"];

    /// <summary>Relative ranges are checked as if today were this day: the check is of the words, not of the data.</summary>
    private static readonly DateTimeOffset CheckedAt = new(2026, 6, 15, 12, 0, 0, TimeSpan.Zero);

    public static IReadOnlyList<DashboardDefinition> Load(string root, SemanticLayer layer, DiagnosticBag diagnostics)
    {
        var folder = Path.Combine(root, DashboardsFolder);
        if (!Directory.Exists(folder)) return [];
        var result = new List<DashboardDefinition>();
        var files = Directory.EnumerateFiles(folder, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal);
        foreach (var path in files)
        {
            var display = Path.GetRelativePath(root, path).Replace('\\', '/');
            var node = ProjectLoader.ReadYaml(path, display, diagnostics, "write a dashboard: title and tiles, e.g. 'tiles: [ { kind: kpi, metric: revenue } ]'");
            if (node is null) continue;
            var fallbackName = Path.GetFileNameWithoutExtension(path);
            var dashboard = Read(new YamlMap(node, display, diagnostics, "the dashboard", DashboardKeys), display, fallbackName, layer, diagnostics);
            if (dashboard is null) continue;
            if (result.FirstOrDefault(d => string.Equals(d.Name, dashboard.Name, StringComparison.OrdinalIgnoreCase)) is { } first)
                diagnostics.Add(dashboard.Location, $"dashboard '{dashboard.Name}' is already defined at {first.Location}", "dashboard names must be unique across the project; rename one");
            else result.Add(dashboard);
        }
        return result;
    }

    private static DashboardDefinition? Read(YamlMap map, string file, string fallbackName, SemanticLayer layer, DiagnosticBag diagnostics)
    {
        var name = map.String("name") ?? fallbackName;
        if (!ProjectLoader.IsIdentifier(name))
            diagnostics.Add(map.Node("name") is { } n ? map.At(n) : map.Location, $"dashboard name '{name}' is not a valid name",
                "use letters, digits and underscores, starting with a letter (it appears in URLs); name the file so, or set 'name:'");
        var range = map.String("range");
        var zone = map.String("zone");
        var granularity = map.String("granularity");
        // Checked once here; a bad one is not handed on, so each tile reports only its own mistakes.
        var tileRange = range is not null && !CheckWords(() => DateRange.Parse(range, CheckedAt.DateTime), map.At(map.Node("range")!), diagnostics) ? null : range;
        var tileZone = zone;
        if (zone is not null && !TimeZones.TryFind(zone, out _))
        {
            diagnostics.Add(map.At(map.Node("zone")!), $"unknown time zone '{zone}'", "write an IANA zone such as Europe/Berlin or UTC");
            tileZone = null;
        }
        var tileGrain = granularity;
        if (granularity is not null && !TimeGrains.TryParse(granularity, out _))
        {
            diagnostics.Add(map.At(map.Node("granularity")!), $"unknown granularity '{granularity}'", $"expected one of: {TimeGrains.Allowed}");
            tileGrain = "day";
        }

        var filters = new List<DashboardFilter>();
        var filterLocations = new List<SourceLocation>();
        if (map.Sequence("filters") is { } filterNodes)
        {
            foreach (var item in filterNodes)
            {
                if (item is not YamlMappingNode filterNode)
                {
                    diagnostics.Add(YamlMap.At(file, item), "each dashboard filter must be a mapping", "write '{ dimension: region, label: Region }'");
                    continue;
                }
                var filter = new YamlMap(filterNode, file, diagnostics, "a dashboard filter", FilterKeys);
                var dimension = filter.String("dimension", required: true);
                if (dimension is null) continue;
                if (filters.Any(f => string.Equals(f.Dimension, dimension, StringComparison.OrdinalIgnoreCase)))
                {
                    diagnostics.Add(filter.At(filter.Node("dimension")!), $"dimension '{dimension}' is filtered twice in dashboard '{name}'", "one filter per dimension");
                    continue;
                }
                var values = filter.StringList("values").Select(v => v.Value).ToList();
                var @default = filter.String("default");
                if (@default is not null && values.Count > 0 && !values.Contains(@default, StringComparer.Ordinal))
                    diagnostics.Add(filter.At(filter.Node("default")!), $"default '{@default}' of the filter on '{dimension}' is not one of its values", $"write one of: {string.Join(", ", values)}");
                filters.Add(new DashboardFilter(dimension, filter.String("label") ?? dimension, values, @default));
                filterLocations.Add(filter.At(filter.Node("dimension")!));
            }
        }

        var tiles = new List<DashboardTile>();
        if (map.Sequence("tiles") is { } tileNodes)
        {
            var position = 0;
            foreach (var item in tileNodes)
            {
                position++;
                if (item is not YamlMappingNode tileNode)
                {
                    diagnostics.Add(YamlMap.At(file, item), "each tile must be a mapping", "write '{ kind: kpi, metric: revenue }'");
                    continue;
                }
                var tileMap = new YamlMap(tileNode, file, diagnostics, "a tile", TileKeys);
                if (ReadTile(tileMap, position, name, tileGrain, diagnostics) is not { } tile) continue;
                if (tiles.Any(t => string.Equals(t.Id, tile.Id, StringComparison.OrdinalIgnoreCase)))
                {
                    diagnostics.Add(tile.Location, $"tile id '{tile.Id}' is used twice in dashboard '{name}'", "give each tile its own 'id'");
                    continue;
                }
                tiles.Add(tile);
                if (!CheckTile(tileMap, tile, tileRange, tileZone, layer, diagnostics)) continue;
                for (var i = 0; i < filters.Count; i++)
                    CheckFilterReach(filters[i], filterLocations[i], tile, layer, diagnostics);
            }
        }
        if (tiles.Count == 0 && map.Sequence("tiles") is null)
            diagnostics.Add(map.Location, $"dashboard '{name}' has no 'tiles'", "add 'tiles: [ { kind: kpi, metric: revenue } ]'");

        return new DashboardDefinition
        {
            Name = name,
            Title = map.String("title") ?? name,
            Description = map.String("description"),
            Range = range,
            Zone = zone,
            Granularity = granularity,
            Filters = filters,
            Tiles = tiles,
            File = file,
            Location = map.Location,
        };
    }

    private static DashboardTile? ReadTile(YamlMap map, int index, string dashboard, string? dashboardGrain, DiagnosticBag diagnostics)
    {
        var kind = TileKind.Kpi;
        var kindText = map.String("kind", required: true);
        if (kindText is not null && YamlMap.ParseEnum(kindText, out kind) is { } hint)
        {
            diagnostics.Add(map.At(map.Node("kind")!), $"unknown tile kind '{kindText}'", hint);
            return null;
        }
        if (kindText is null) return null;

        var metrics = map.StringList("metrics").Select(m => m.Value).ToList();
        if (map.String("metric") is { } single)
        {
            if (metrics.Count > 0) diagnostics.Add(map.KeyLocation("metric"), "a tile names 'metric' and 'metrics'", "keep one");
            metrics.Insert(0, single);
        }
        if (metrics.Count == 0)
        {
            diagnostics.Add(map.Location, $"a {kindText} tile of dashboard '{dashboard}' names no metric", "add 'metric: revenue' (or 'metrics: [revenue, orders]')");
            return null;
        }
        var dimensions = map.StringList("by").Select(d => d.Value).ToList();
        var granularity = map.String("granularity");
        switch (kind)
        {
            case TileKind.Kpi:
                if (metrics.Count > 1) diagnostics.Add(map.KeyLocation("metrics"), "a KPI tile shows one metric", "make one KPI tile per metric");
                if (dimensions.Count > 0) diagnostics.Add(map.KeyLocation("by"), "a KPI tile shows one number; it is not grouped 'by' anything", "use a bar tile to compare values of a dimension");
                if (granularity is not null) diagnostics.Add(map.KeyLocation("granularity"), "a KPI tile shows one number over its range, without a grain", "remove 'granularity', or use a line tile");
                break;
            case TileKind.Line:
                granularity ??= dashboardGrain;
                if (granularity is null)
                    diagnostics.Add(map.Location, "a line tile draws metrics over time and needs a grain", "add 'granularity: day' to the tile or the dashboard");
                if (dimensions.Count > 1) diagnostics.Add(map.KeyLocation("by"), "a line tile draws one line per value of at most one dimension", "keep one dimension in 'by'");
                if (dimensions.Count == 1 && metrics.Count > 1) diagnostics.Add(map.KeyLocation("by"), "a line tile split 'by' a dimension draws one metric", "name one metric, or remove 'by'");
                break;
            case TileKind.Bar:
                if (dimensions.Count == 0) diagnostics.Add(map.Location, "a bar tile compares the values of a dimension and needs 'by'", "add 'by: region'");
                if (dimensions.Count > 1) diagnostics.Add(map.KeyLocation("by"), "a bar tile has one bar per value of one dimension", "keep one dimension in 'by'");
                if (granularity is not null) diagnostics.Add(map.KeyLocation("granularity"), "a bar tile compares categories, not periods", "use a line tile for time, or remove 'granularity'");
                break;
        }
        var compare = true;
        if (map.String("compare") is { } compareText)
        {
            if (compareText is "previous_period") compare = true;
            else if (compareText is "none") compare = false;
            else diagnostics.Add(map.At(map.Node("compare")!), $"unknown compare '{compareText}'", "write previous_period (the default for KPI tiles) or none");
            if (kind != TileKind.Kpi) diagnostics.Add(map.KeyLocation("compare"), "only KPI tiles compare to the previous period", "remove 'compare'");
        }
        var id = map.String("id") ?? $"tile{index}";
        if (!ProjectLoader.IsIdentifier(id))
            diagnostics.Add(map.At(map.Node("id")!), $"tile id '{id}' is not a valid name", "use letters, digits and underscores (it appears in embed URLs)");
        return new DashboardTile
        {
            Id = id,
            Title = map.String("title") ?? string.Join(", ", metrics),
            Kind = kind,
            Metrics = metrics,
            Dimensions = dimensions,
            Granularity = granularity,
            Range = map.String("range"),
            Filters = map.StringList("filters").Select(f => f.Value).ToList(),
            Order = map.StringList("order").Select(o => o.Value).ToList(),
            Limit = map.Int("limit", 1, 10_000),
            CompareToPrevious = kind == TileKind.Kpi && compare,
            Location = map.Location,
        };
    }

    /// <summary>The tile's query as the metrics API would plan it: any refusal becomes a diagnostic at the key at fault.</summary>
    private static bool CheckTile(YamlMap map, DashboardTile tile, string? range, string? zone, SemanticLayer layer, DiagnosticBag diagnostics)
    {
        var query = DashboardQueries.QueryOf(tile, range, zone, []);
        try
        {
            MetricPlanner.Plan(layer, query, CheckedAt);
            return true;
        }
        catch (LadleException e)
        {
            var key = (e as InvalidRequestException)?.Parameter switch
            {
                "metrics" => map.Node("metric") is not null ? "metric" : "metrics",
                "dimensions" => "by",
                "filter" or "filters" => "filters",
                "granularity" or "time" => "granularity",
                { } other => other,
                null => e is NotFoundException ? (map.Node("metric") is not null ? "metric" : "metrics") : null,
            };
            var at = key is not null && map.Node(key) is { } node ? map.At(node) : map.Location;
            diagnostics.Add(at, $"tile '{tile.Id}': {e.Message}", key is "range" or "zone" && map.Node(key) is null ? "the dashboard's own setting is used by this tile" : null);
            return false;
        }
    }

    private static void CheckFilterReach(DashboardFilter filter, SourceLocation at, DashboardTile tile, SemanticLayer layer, DiagnosticBag diagnostics)
    {
        try
        {
            MetricPlanner.Plan(layer, new MetricQuery { Metrics = tile.Metrics, Dimensions = [filter.Dimension] }, CheckedAt);
        }
        catch (LadleException e)
        {
            diagnostics.Add(at, $"the dashboard filter on '{filter.Dimension}' does not apply to tile '{tile.Id}': {e.Message}",
                "a shared filter must be a dimension every tile's metrics reach; filter that tile alone with its own 'filters:'");
        }
    }

    private static bool CheckWords(Action parse, SourceLocation at, DiagnosticBag diagnostics)
    {
        try
        {
            parse();
            return true;
        }
        catch (LadleException e)
        {
            diagnostics.Add(at, e.Message);
            return false;
        }
    }
}
