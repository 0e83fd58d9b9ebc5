using Ladle.Core.Errors;

namespace Ladle.Core.Model.Dashboards;

/// <summary>
/// A dashboard of dashboards/*.yaml: KPI tiles and charts over metrics, a default range, zone and grain, and
/// filters every tile shares. Its tiles are metric queries checked against the semantic layer at load.
/// </summary>
public sealed record DashboardDefinition
{
    /// <summary>The name in URLs (/dashboards/{name}); letters, digits and underscores.</summary>
    public required string Name { get; init; }

    /// <summary>The heading shown on the page; the name when not given.</summary>
    public required string Title { get; init; }

    public string? Description { get; init; }

    /// <summary>The range every tile reads unless it names its own (e.g. 'last 12 months'); all time when null.</summary>
    public string? Range { get; init; }

    /// <summary>The IANA zone periods are cut in; each metric's time dimension's zone when null.</summary>
    public string? Zone { get; init; }

    /// <summary>The grain of line charts that do not name one.</summary>
    public string? Granularity { get; init; }

    /// <summary>Filters the reader sets once for every tile.</summary>
    public IReadOnlyList<DashboardFilter> Filters { get; init; } = [];

    public required IReadOnlyList<DashboardTile> Tiles { get; init; }

    /// <summary>Project-relative path of the file that defines it.</summary>
    public required string File { get; init; }

    public required SourceLocation Location { get; init; }

    /// <summary>Every metric a tile reads, once each, in tile order.</summary>
    public IReadOnlyList<string> Metrics => Tiles.SelectMany(t => t.Metrics).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
}

/// <summary>A filter shared by every tile: the reader picks values of one dimension (or leaves it open).</summary>
/// <param name="Dimension">The dimension filtered on; every tile's metrics must reach it.</param>
/// <param name="Label">What the page calls it.</param>
/// <param name="Values">The values offered; when empty, the page offers those the data holds.</param>
/// <param name="Default">The value set when the page opens; none (every row) when null.</param>
public sealed record DashboardFilter(string Dimension, string Label, IReadOnlyList<string> Values, string? Default);

/// <summary>How a tile shows its metrics.</summary>
public enum TileKind : byte
{
    /// <summary>One number over the range, beside the same number over the period before it.</summary>
    Kpi,

    /// <summary>Metrics over time (a line per metric, or per value of one dimension).</summary>
    Line,

    /// <summary>Metrics by the values of a dimension.</summary>
    Bar,

    /// <summary>The answer's rows as a table.</summary>
    Table,
}

/// <summary>One tile: a metric query drawn as a KPI, a line or bar chart, or a table.</summary>
public sealed record DashboardTile
{
    /// <summary>Unique within the dashboard; it names the tile in embeds (/embed/dashboards/{name}/tiles/{id}).</summary>
    public required string Id { get; init; }

    public required string Title { get; init; }

    public required TileKind Kind { get; init; }

    public required IReadOnlyList<string> Metrics { get; init; }

    /// <summary>Dimensions to group by (bar charts and tables; a line chart's one series dimension).</summary>
    public IReadOnlyList<string> Dimensions { get; init; } = [];

    /// <summary>The time grain (line charts; tables may have one).</summary>
    public string? Granularity { get; init; }

    /// <summary>The tile's own range, else the dashboard's.</summary>
    public string? Range { get; init; }

    /// <summary>Filters of this tile alone (name:op:value), besides the dashboard's.</summary>
    public IReadOnlyList<string> Filters { get; init; } = [];

    public IReadOnlyList<string> Order { get; init; } = [];

    public int? Limit { get; init; }

    /// <summary>KPI tiles: whether the previous period of the same length is shown beside the value.</summary>
    public bool CompareToPrevious { get; init; }

    public required SourceLocation Location { get; init; }
}
