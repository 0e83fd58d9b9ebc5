using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Core.Model.Dashboards;
using Ladle.Core.Policy;
using Ladle.Core.Queries;
using Ladle.Core.Semantic;
using Ladle.Core.Semantic.Queries;
using Ladle.Engine.Semantic;
using Ladle.Engine.Serving;
using Ladle.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Ladle.Server.Apis;

/// <summary>
/// Dashboards as code, /api/v1/dashboards: their definitions with every tile's metric query resolved (range made
/// absolute, the previous period of KPI tiles, the reader's filters), ready to send to /api/v1/metrics/query as the
/// same principal. Serving the numbers stays with the metrics API, its policy, cache and audit.
/// </summary>
public static class DashboardsApi
{
    public static IEndpointRouteBuilder MapDashboardsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/dashboards").WithTags("Dashboards");
        api.MapGet("/", List).WithName("ListDashboards").WithSummary("The dashboards the caller may open: every metric of their tiles is one it may query.");
        api.MapGet("/{name}", Get).WithName("GetDashboard")
            .WithSummary("One dashboard and each tile's metric query, resolved for now: range=, zone= override the dashboard's; filter=dimension:op:value (repeatable) sets its shared filters, filter=dimension:all clears one and its default.");
        return app;
    }

    private static async Task<Ok<DashboardList>> List(HttpContext context, ReadPipeline pipeline, ProjectDefinition project, PrincipalResolver principals)
    {
        var principal = await principals.ResolveAsync(context);
        var visible = Visible(project, pipeline, principal).Select(d => new DashboardSummary(d.Name, d.Title, d.Description, d.Tiles.Count, d.Metrics)).ToList();
        return TypedResults.Ok(new DashboardList(visible));
    }

    private static async Task<Ok<DashboardView>> Get(string name, HttpContext context, ReadPipeline pipeline, MetricsEngine metrics, ProjectDefinition project, PrincipalResolver principals)
    {
        var principal = await principals.ResolveAsync(context);
        var visible = Visible(project, pipeline, principal).ToList();
        var dashboard = visible.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new NotFoundException($"no dashboard '{name}' ({Core.Loading.Suggest.Hint(name, visible.Select(d => d.Name).ToList())})");
        var q = context.Request.Query;
        foreach (var key in q.Keys)
            if (key is not ("range" or "zone" or "filter"))
                throw new InvalidRequestException($"unknown parameter '{key}' (expected range, zone or filter)", key);
        var range = NonEmpty(q["range"].FirstOrDefault()) ?? dashboard.Range;
        var zone = NonEmpty(q["zone"].FirstOrDefault()) ?? dashboard.Zone;
        var filters = ReaderFilters(dashboard, q["filter"].OfType<string>().ToList());

        var scope = pipeline.MetricScopeOf(principal);
        var tiles = new List<TileView>();
        foreach (var tile in dashboard.Tiles)
        {
            var query = DashboardQueries.QueryOf(tile, range, zone, filters);
            // Planned as the metrics API will plan it, so the page gets the absolute range of this moment and a
            // mistake (a bad range= or filter=) is a 400 here rather than six failing tiles.
            var plan = metrics.Plan(query, null, scope);
            var resolved = plan.Range is { } r ? DashboardQueries.Text(r) : null;
            var zoneId = TimeZones.IdOf(plan.Zone);
            var current = Body(query with { Range = resolved, Zone = resolved is null ? query.Zone : zoneId });
            QueryBody? previous = null;
            string? previousRange = null;
            if (tile.CompareToPrevious && plan.Range is { } current0 && DashboardQueries.Previous(current0) is { } before)
            {
                previousRange = DashboardQueries.Text(before);
                previous = Body(query with { Range = previousRange, Zone = zoneId });
            }
            tiles.Add(new TileView(tile.Id, tile.Title, tile.Kind.ToString().ToLowerInvariant(), tile.Metrics, tile.Dimensions, tile.Granularity,
                resolved, previousRange, current, previous));
        }
        var filterViews = dashboard.Filters.Select(f => new FilterView(f.Dimension, f.Label, f.Values, f.Default,
            filters.FirstOrDefault(x => Dimension(x) is { } d && string.Equals(d, f.Dimension, StringComparison.OrdinalIgnoreCase)))).ToList();
        return TypedResults.Ok(new DashboardView(dashboard.Name, dashboard.Title, dashboard.Description, range, zone, dashboard.Granularity, filterViews, tiles,
            $"{dashboard.File}:{dashboard.Location.Line}"));
    }

    /// <summary>
    /// Dashboards whose every metric the principal may query (so no tile of it fails for lack of a grant), and for
    /// an embed token only those it names.
    /// </summary>
    private static IEnumerable<DashboardDefinition> Visible(ProjectDefinition project, ReadPipeline pipeline, Principal principal)
    {
        var queryable = pipeline.MetricsCatalog(principal).Select(m => m.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return project.Dashboards.Where(d =>
            (principal.AllowedDashboards is not { } allowed || allowed.Contains(d.Name, StringComparer.OrdinalIgnoreCase)) &&
            d.Metrics.All(queryable.Contains));
    }

    /// <summary>
    /// The reader's choices for the dashboard's shared filters: only on the dimensions the dashboard offers, each
    /// once; <c>dimension:all</c> clears one (its default too); an unset filter with a default takes its default.
    /// Values are checked when the tiles are planned.
    /// </summary>
    private static List<string> ReaderFilters(DashboardDefinition dashboard, List<string> given)
    {
        if (given.Count > RequestLimits.MaxFilters)
            throw new InvalidRequestException($"at most {RequestLimits.MaxFilters} filters", "filter");
        var result = new List<string>();
        var cleared = new List<string>();
        foreach (var text in given)
        {
            var dimension = Dimension(text) ?? throw new InvalidRequestException($"filter '{text}' is not dimension:operator:value", "filter");
            if (!dashboard.Filters.Any(f => string.Equals(f.Dimension, dimension, StringComparison.OrdinalIgnoreCase)))
                throw new InvalidRequestException(
                    $"dashboard '{dashboard.Name}' has no filter on '{dimension}' ({(dashboard.Filters.Count == 0 ? "it has no shared filters" : "its filters: " + string.Join(", ", dashboard.Filters.Select(f => f.Dimension)))})", "filter");
            if (result.Any(r => string.Equals(Dimension(r), dimension, StringComparison.OrdinalIgnoreCase)) || cleared.Contains(dimension, StringComparer.OrdinalIgnoreCase))
                throw new InvalidRequestException($"the dashboard filter on '{dimension}' is set twice", "filter");
            // "All": no filter on the dimension, not even its default.
            if (string.Equals(text[(text.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim(), "all", StringComparison.OrdinalIgnoreCase)) cleared.Add(dimension);
            else result.Add(text);
        }
        foreach (var filter in dashboard.Filters.Where(f => f.Default is not null && !cleared.Contains(f.Dimension, StringComparer.OrdinalIgnoreCase)
            && !result.Any(r => string.Equals(Dimension(r), f.Dimension, StringComparison.OrdinalIgnoreCase))))
            result.Add($"{filter.Dimension}:eq:{filter.Default!.Replace(",", "\\,", StringComparison.Ordinal)}");
        return result;
    }

    private static string? Dimension(string filter) => filter.IndexOf(':', StringComparison.Ordinal) is > 0 and var i ? filter[..i].Trim() : null;

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    private static QueryBody Body(MetricQuery query) => new(query.Metrics, query.Dimensions,
        new TimeBody(query.Granularity, query.Range, query.Zone), query.Filters, query.Order, query.Limit);

    /// <summary>The dashboards a caller may open.</summary>
    public sealed record DashboardList(IReadOnlyList<DashboardSummary> Dashboards);

    /// <summary>A dashboard as listed.</summary>
    public sealed record DashboardSummary(string Name, string Title, string? Description, int Tiles, IReadOnlyList<string> Metrics);

    /// <summary>A dashboard with its tiles' queries resolved for this moment and this reader.</summary>
    public sealed record DashboardView(string Name, string Title, string? Description, string? Range, string? Zone, string? Granularity,
        IReadOnlyList<FilterView> Filters, IReadOnlyList<TileView> Tiles, string DefinedAt);

    /// <summary>A shared filter: its dimension, label, offered values, default and the value in force.</summary>
    public sealed record FilterView(string Dimension, string Label, IReadOnlyList<string> Values, string? Default, string? Applied);

    /// <summary>
    /// A tile: how to draw it and the body to POST to /api/v1/metrics/query; KPI tiles also the previous period's.
    /// </summary>
    public sealed record TileView(string Id, string Title, string Kind, IReadOnlyList<string> Metrics, IReadOnlyList<string> Dimensions, string? Granularity,
        string? Range, string? PreviousRange, QueryBody Query, QueryBody? PreviousQuery);

    /// <summary>A metric query in the shape POST /api/v1/metrics/query reads.</summary>
    public sealed record QueryBody(IReadOnlyList<string> Metrics, IReadOnlyList<string> Dimensions, TimeBody Time, IReadOnlyList<string> Filters,
        IReadOnlyList<string> Order, string? Limit);

    /// <summary>The time part of a metric query body.</summary>
    public sealed record TimeBody(string? Granularity, string? Range, string? Zone);
}
