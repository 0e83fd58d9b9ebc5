using System.Globalization;
using System.Text.Json;
using Ladle.Core.Semantic;
using Ladle.Engine.Semantic;
using Ladle.Engine.Serving;
using Ladle.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Ladle.Server.Apis;

/// <summary>Metrics: the catalog of metrics and metric queries, /api/v1/metrics.</summary>
public static class MetricsApi
{
    public static IEndpointRouteBuilder MapMetricsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/metrics").WithTags("Metrics");
        api.MapGet("/", List).WithName("ListMetrics").WithSummary("Every metric the caller may read: description, owner, the dimensions it can be grouped by.");
        api.MapGet("/query", QueryGet).WithName("QueryMetricsGet")
            .WithSummary("A metric query in query parameters: metrics, dimensions, time, granularity, range, zone, filter (repeatable), order, limit, fill, format, explain. Answers carry an ETag.");
        api.MapPost("/query", QueryPost).WithName("QueryMetrics")
            .WithSummary("A metric query: {metrics, dimensions, time: {dimension, granularity, range, zone}, filters, order, limit, fill, format, explain}.");
        api.MapGet("/{name}", Get).WithName("GetMetric").WithSummary("One metric: its definition, models, datasets and dimensions.");
        return app;
    }

    private static async Task<Ok<MetricCatalog>> List(HttpContext context, ReadPipeline pipeline, MetricsEngine metrics, PrincipalResolver principals)
    {
        var principal = await principals.ResolveAsync(context);
        return TypedResults.Ok(new MetricCatalog(pipeline.MetricsCatalog(principal).Select(m => Describe(metrics, m, pipeline, principal)).ToList()));
    }

    private static async Task<Ok<MetricInfo>> Get(string name, HttpContext context, ReadPipeline pipeline, MetricsEngine metrics, PrincipalResolver principals)
    {
        var principal = await principals.ResolveAsync(context);
        var metric = pipeline.MetricsCatalog(principal).FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new Core.Errors.NotFoundException($"no metric '{name}' ({Core.Loading.Suggest.Hint(name, pipeline.MetricsCatalog(principal).Select(m => m.Name).ToList())})");
        return TypedResults.Ok(Describe(metrics, metric, pipeline, principal));
    }

    private static async Task QueryGet(HttpContext context, ReadPipeline pipeline, Core.Model.ProjectDefinition project, PrincipalResolver principals)
    {
        var principal = await principals.ResolveAsync(context);
        var parsed = MetricQueryBody.FromQueryString(context.Request.Query);
        await AnswerAsync(context, pipeline, project, principal, parsed);
    }

    private static async Task QueryPost(HttpContext context, ReadPipeline pipeline, Core.Model.ProjectDefinition project, PrincipalResolver principals)
    {
        // Who asks comes first: an unauthenticated body is never read, let alone parsed (its size is capped too).
        var principal = await principals.ResolveAsync(context);
        JsonElement body;
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
            body = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new Core.Errors.InvalidRequestException($"the body is not valid JSON: {e.Message}", "body");
        }
        await AnswerAsync(context, pipeline, project, principal, MetricQueryBody.FromJson(body));
    }

    private static async Task AnswerAsync(HttpContext context, ReadPipeline pipeline, Core.Model.ProjectDefinition project, Core.Policy.Principal principal, MetricQueryBody.Parsed parsed)
    {
        if (parsed.Explain)
        {
            var explanation = await pipeline.ExplainMetricsAsync(principal, parsed.Query, context.RequestAborted);
            await TypedResults.Ok(explanation).ExecuteAsync(context);
            return;
        }
        context.Items[Hosting.AuditMiddleware.AuditedKey] = true;
        var request = new MetricsRequest
        {
            Principal = principal,
            Interface = "rest",
            Query = parsed.Query,
            IfNoneMatch = context.Request.Headers.IfNoneMatch.ToString() is { Length: > 0 } tag ? tag : null,
        };
        await pipeline.ServeAsync(request, new HttpReadSink(context, parsed.Format, project), context.RequestAborted);
    }

    /// <summary>
    /// A metric as this principal may see it: datasets, models and dimensions it may not see are left out, and so
    /// are dimensions no query could use (a live source's beside the store's).
    /// </summary>
    private static MetricInfo Describe(MetricsEngine metrics, MetricDefinition metric, ReadPipeline pipeline, Core.Policy.Principal principal)
    {
        var layer = metrics.Layer;
        var measures = layer.MeasuresOf(metric.Name);
        var scope = pipeline.MetricScopeOf(principal);
        var allModels = measures.Select(layer.ModelOf).Distinct().ToList();
        var models = allModels.Where(m => pipeline.Policy.CanSee(principal, m.Dataset)).ToList();
        var times = allModels.Select(m => m.DefaultTime is { } t ? layer.Resolve(layer.ReachOf(m), t, out _, scope.Dimension)?.Dimension : null)
            .OfType<DimensionDefinition>().ToList();
        var dimensions = allModels.Count == 0 ? [] : metrics.QueryableDimensions(metric)
            .Where(d => layer.Resolve(layer.ReachOf(allModels[0]), d, out _, scope.Dimension) is not null).ToList();
        var grains = times.Count == 0 ? [] : times.Select(t => t.Granularities).Aggregate((a, b) => a.Intersect(b).ToList());
        return new MetricInfo(
            metric.Name,
            metric.Kind.ToString().ToLowerInvariant(),
            metric.Label,
            metric.Description,
            metric.Owner,
            models.Select(m => m.Name).ToList(),
            models.Select(m => m.Dataset.Name).Distinct().ToList(),
            times.Select(t => $"{t.Model}.{t.Name}").ToList(),
            grains.Select(g => g.Name()).ToList(),
            times.Select(t => t.Zone).Distinct().ToList(),
            dimensions,
            Definition(metric, layer),
            $"{metric.File}:{metric.Location.Line.ToString(CultureInfo.InvariantCulture)}");
    }

    private static string Definition(MetricDefinition metric, SemanticLayer layer) => metric.Kind switch
    {
        MetricKind.Simple => MeasureText(layer, metric.Measure!),
        MetricKind.Cumulative => $"{(metric.Window is { } w ? $"sum over the last {w} of" : metric.GrainToDate is { } g ? $"{g.Name()}-to-date" : "running total of")} {MeasureText(layer, metric.Measure!)}",
        MetricKind.Ratio => $"{metric.Numerator!.Metric} / {metric.Denominator!.Metric}",
        _ => metric.Expression!.Text + string.Concat(metric.Inputs.Where(i => i.Offset is not null).Select(i => $"; {i.Alias} = {i.Metric} {i.Offset} earlier")),
    };

    private static string MeasureText(SemanticLayer layer, string name)
    {
        var measure = layer.FindMeasure(name);
        if (measure is null) return name;
        var agg = Core.Loading.ProjectLoader.Snake(measure.Agg);
        var of = measure.Column ?? (measure.Sql is { } sql ? $"({sql})" : "*");
        return $"{agg}({of}) of {measure.Model}" + (measure.Filter is { } f ? $" where {f}" : "");
    }

    /// <summary>A metric as the catalog lists it.</summary>
    public sealed record MetricInfo(string Name, string Kind, string? Label, string? Description, string? Owner,
        IReadOnlyList<string> Models, IReadOnlyList<string> Datasets, IReadOnlyList<string> TimeDimensions, IReadOnlyList<string> Granularities,
        IReadOnlyList<string> Zones, IReadOnlyList<string> Dimensions, string Definition, string DefinedAt);

    /// <summary>The metrics a caller may read.</summary>
    public sealed record MetricCatalog(IReadOnlyList<MetricInfo> Metrics);
}
