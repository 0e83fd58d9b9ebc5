using System.Globalization;
using Ladle.Core.Model;
using Ladle.Engine;
using Ladle.Engine.Serving;
using Ladle.Engine.State;
using Ladle.Server.Hosting;
using Ladle.Server.Queries;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Ladle.Server.Apis;

/// <summary>The catalog and the rows of datasets: /api/v1/datasets.</summary>
public static class DatasetsApi
{
    public static IEndpointRouteBuilder MapDatasetsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/datasets").WithTags("Datasets");
        api.MapGet("/", List).WithName("ListDatasets")
            .WithSummary("The catalog: every dataset the caller may see; q= searches name, domain, owner, description and columns (every word must match).");
        api.MapGet("/{name}", Get).WithName("GetDataset").WithSummary("One dataset: owner, description, columns, dependencies, version.");
        api.MapGet("/{name}/versions", Versions).WithName("ListDatasetVersions").WithSummary("Publication history, newest first.");
        api.MapGet("/{name}/rows", Rows).WithName("GetDatasetRows")
            .WithSummary("Rows, streamed: columns=a,b, filter=col:op:value (repeatable), order=col:asc|desc, limit, cursor, format=json|ndjson|csv|parquet|xlsx.");
        return app;
    }

    private static async Task<Ok<CatalogResponse>> List(HttpContext context, ReadPipeline pipeline, DatasetQueries datasets, PrincipalResolver principals, string? q)
    {
        var principal = await principals.ResolveAsync(context);
        var words = CatalogSearch.Words(q);
        var items = new List<DatasetSummary>();
        foreach (var dataset in pipeline.Catalog(principal))
        {
            var served = words.Count > 0 ? await datasets.PublishedColumnsAsync(dataset, context.RequestAborted) : null;
            if (CatalogSearch.Match(dataset, words, served) is not { } matched) continue;
            items.Add(Summary(datasets, dataset) with { Matched = words.Count > 0 ? matched : null });
        }
        return TypedResults.Ok(new CatalogResponse(items));
    }

    private static async Task<Ok<DatasetDetail>> Get(string name, HttpContext context, ReadPipeline pipeline, DatasetQueries datasets, PrincipalResolver principals, CancellationToken ct)
    {
        var principal = await principals.ResolveAsync(context);
        var dataset = pipeline.Describe(principal, name);
        IReadOnlyList<SchemaColumn>? columns = null;
        string? columnsError = null;
        try { columns = await datasets.ColumnsAsync(dataset, ct); }
        catch (Core.Errors.LadleException e) { columnsError = e.Message; }
        return TypedResults.Ok(new DatasetDetail(
            Summary(datasets, dataset),
            columns?.Select(c => new ColumnInfo(c.Name, c.Type.Name(), c.Description, c.Pii, c.Pii && pipeline.Policy is Engine.Access.AccessPolicy p && p.Masks(principal, c) ? c.Mask.ToString().ToLowerInvariant() : null)).ToList(),
            columnsError,
            dataset.DependsOn,
            dataset.PrimaryKey,
            dataset.Source,
            dataset.Schedule));
    }

    private static async Task<Ok<VersionsResponse>> Versions(string name, HttpContext context, ReadPipeline pipeline, DatasetQueries datasets, PrincipalResolver principals, CancellationToken ct)
    {
        var principal = await principals.ResolveAsync(context);
        var dataset = pipeline.Describe(principal, name);
        var versions = await datasets.VersionsAsync(dataset, 100, ct);
        // A version's row count and watermark are taken over every row: a row-filtered principal does not get them.
        var whole = await pipeline.ScopeAsync(principal, dataset, ct) != ReadScope.Filtered;
        return TypedResults.Ok(new VersionsResponse(dataset.Name, versions.Select(v => new VersionInfo(
            v.Version, v.Status.ToString().ToLowerInvariant(), v.StartedAt, v.FinishedAt, v.PublishedAt, whole ? v.RowCount : null, whole ? v.Watermark : null,
            v.Error, v.Trigger)).ToList(),
            whole ? null : $"row_count and watermark: they are computed over every row of '{dataset.Name}', and principal '{principal.Name}' reads it through a row filter"));
    }

    private static async Task Rows(string name, HttpContext context, ReadPipeline pipeline, ProjectDefinition project, PrincipalResolver principals)
    {
        var q = context.Request.Query;
        var request = new RowsRequest
        {
            Principal = await principals.ResolveAsync(context),
            Interface = "rest",
            Dataset = name,
            Columns = q["columns"],
            Filters = q["filter"].Where(f => f is not null).Select(f => f!).ToList(),
            Order = q["order"],
            Limit = q["limit"],
            Cursor = q["cursor"],
            Version = q["version"],
        };
        context.Items[AuditMiddleware.AuditedKey] = true;
        await pipeline.ServeAsync(request, new HttpReadSink(context, q["format"], project), context.RequestAborted);
    }

    private static DatasetSummary Summary(DatasetQueries datasets, DatasetDefinition d)
    {
        var (current, health) = datasets.Status(d);
        return new DatasetSummary(d.Name, d.Domain, d.Owner, d.Description, d.Materialization.ToString().ToLowerInvariant(),
            current?.Version, current?.PublishedAt, health.StatusName) { Schedule = d.Schedule };
    }

    /// <summary>A catalog entry; <c>Matched</c> (with q=) says where the search words were found; <c>Schedule</c> is its cron schedule.</summary>
    public sealed record DatasetSummary(string Name, string? Domain, string? Owner, string? Description, string Materialization,
        long? Version, DateTimeOffset? PublishedAt, string Status)
    {
        public string? Schedule { get; init; }

        public IReadOnlyList<string>? Matched { get; init; }
    }

    /// <summary>The catalog.</summary>
    public sealed record CatalogResponse(IReadOnlyList<DatasetSummary> Datasets);

    /// <summary>A served column; <c>Masked</c> says how it reads for the caller (redact, hash, partial) when it does not read in clear.</summary>
    public sealed record ColumnInfo(string Name, string Type, string? Description, bool Pii, string? Masked);

    /// <summary>One dataset in full.</summary>
    public sealed record DatasetDetail(DatasetSummary Dataset, IReadOnlyList<ColumnInfo>? Columns, string? ColumnsUnavailable,
        IReadOnlyList<string> DependsOn, IReadOnlyList<string> PrimaryKey, string? Source, string? Schedule);

    /// <summary>A version of a dataset.</summary>
    public sealed record VersionInfo(long Version, string Status, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt,
        DateTimeOffset? PublishedAt, long? RowCount, string? Watermark, string? Error, string? Trigger);

    /// <summary>Publication history; <c>Withheld</c> says which figures the caller's scope left out, and why.</summary>
    public sealed record VersionsResponse(string Dataset, IReadOnlyList<VersionInfo> Versions, string? Withheld = null);
}
