using System.Text.Json;
using Ladle.Core.Errors;
using Ladle.Core.Features;
using Ladle.Core.Model;
using Ladle.Engine;
using Ladle.Engine.Access;
using Ladle.Engine.Serving;
using Ladle.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Ladle.Server.Apis;

/// <summary>ML features: the catalog of feature views and services, training sets and online lookups, /api/v1/features.</summary>
public static class FeaturesApi
{
    /// <summary>The largest entity-row upload a training set takes (the rest of the API stops at 1 MiB).</summary>
    public const long MaxEntityUploadBytes = 256L * 1024 * 1024;

    public static IEndpointRouteBuilder MapFeaturesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/features").WithTags("Features");
        api.MapGet("/", List).WithName("ListFeatures").WithSummary("The feature views and services the caller may read.");
        api.MapPost("/training-set", TrainingSet).WithName("TrainingSet")
            .WithSummary("A point-in-time training set. JSON body {feature_service | features, entities: [{event_timestamp, <keys>, …}] | entity_dataset, format}, " +
                "or a CSV/Parquet body of entity rows with ?feature_service= or ?features=; answered as csv, parquet, ndjson or json (format=).");
        api.MapPost("/online", Online).WithName("OnlineFeatures")
            .WithSummary("Online lookup: {feature_service | features, entities: {<key>: [values…]}} → each entity's features now, with status and event time.");
        api.MapGet("/{view}/skew", Skew).WithName("FeatureSkew")
            .WithSummary("Compares what online lookups answer now with the offline (training-set) answer at now for the view's entities: all, or ?sample=N of them.");
        return app;
    }

    /// <summary>The most entities a skew report samples.</summary>
    public const int MaxSkewSample = 1_000_000;

    private static async Task<Ok<FeatureSkewReport>> Skew(HttpContext context, string view, ReadPipeline pipeline, PrincipalResolver principals)
    {
        var principal = await principals.ResolveAsync(context);
        int? sample = null;
        if (context.Request.Query["sample"] is { Count: > 0 } text && !string.Equals(text[0], "all", StringComparison.OrdinalIgnoreCase))
        {
            if (!int.TryParse(text[0], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) || n < 1 || n > MaxSkewSample)
                throw new InvalidRequestException($"sample must be 'all' or a whole number of entities from 1 to {MaxSkewSample:N0}", "sample");
            sample = n;
        }
        context.Items[AuditMiddleware.AuditedKey] = true;
        return TypedResults.Ok(await pipeline.SkewAsync(principal, view, sample, context.RequestAborted));
    }

    /// <summary>A feature view as the catalog lists it.</summary>
    public sealed record FeatureViewInfo(string Name, string Dataset, IReadOnlyList<string> Entities, string EventTimestamp, string? CreatedTimestamp,
        string? Ttl, IReadOnlyList<FeatureInfo> Features, string? Description, string? Owner);

    /// <summary>One feature of a view.</summary>
    public sealed record FeatureInfo(string Name, string Type, string? Column, string? Sql, string? Description, string? Aggregate = null, string? Window = null);

    /// <summary>A feature service: its features as view.feature.</summary>
    public sealed record FeatureServiceInfo(string Name, IReadOnlyList<string> Features, string? Description, string? Owner);

    /// <summary>Every view and service over datasets the caller may see.</summary>
    public sealed record FeatureCatalog(IReadOnlyList<FeatureViewInfo> Views, IReadOnlyList<FeatureServiceInfo> Services);

    private static async Task<Ok<FeatureCatalog>> List(HttpContext context, ReadPipeline pipeline, ProjectDefinition project, PrincipalResolver principals)
    {
        var principal = await principals.ResolveAsync(context);
        bool Visible(FeatureView v) => project.FindDataset(v.Dataset.Name) is { } d && pipeline.Policy.CanSee(principal, d);
        var views = project.Features.Views.Where(Visible).Select(v => new FeatureViewInfo(v.Name, v.Dataset.Name, v.Entities, v.EventTimestamp, v.CreatedTimestamp,
            v.Ttl is { } ttl ? Core.Loading.Durations.Format(ttl) : null,
            v.Features.Select(f => new FeatureInfo(f.Name, f.Type.Name(), f.Column, f.Sql, f.Description,
                f.Aggregate?.FunctionName, f.Aggregate is { } a ? Core.Loading.Durations.Format(a.Window) : null)).ToList(), v.Description, v.Owner)).ToList();
        var services = project.Features.Services.Where(s => s.Features.All(f => Visible(f.View)))
            .Select(s => new FeatureServiceInfo(s.Name, s.Features.Select(f => f.FullName).ToList(), s.Description, s.Owner)).ToList();
        return TypedResults.Ok(new FeatureCatalog(views, services));
    }

    private static async Task TrainingSet(HttpContext context, ReadPipeline pipeline, LadleEngine engine, ProjectDefinition project, PrincipalResolver principals, RateLimits limits)
    {
        // Who asks comes first: an unauthenticated upload is never read. `ladle features training-set` asks as the
        // owner (owner key, loopback) while this server holds the store, as `ladle query` does.
        var owner = OwnerSqlApi.AsksAsOwner(context);
        var principal = owner
            ? OwnerSqlApi.AdmitOwner(context, project, limits, "the owner key is only accepted from `ladle features training-set` on the machine that serves the project")
            : await principals.ResolveAsync(context);
        var asking = owner ? "cli" : "rest";
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = MaxEntityUploadBytes;
        var query = context.Request.Query;
        var contentType = context.Request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        string? file = null;
        try
        {
            TrainingSetRequest request;
            string? format = query["format"];
            if (contentType is "application/json" or null)
            {
                JsonElement body;
                try
                {
                    using var document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
                    body = document.RootElement.Clone();
                }
                catch (JsonException e)
                {
                    throw new InvalidRequestException($"the body is not valid JSON: {e.Message}", "body");
                }
                if (body.ValueKind != JsonValueKind.Object) throw new InvalidRequestException("the body must be a JSON object", "body");
                string? entityDataset = null;
                if (body.TryGetProperty("entities", out var entities))
                {
                    if (entities.ValueKind != JsonValueKind.Array)
                        throw new InvalidRequestException("'entities' must be an array of objects, each with event_timestamp and the entity keys", "entities");
                    if (entities.GetArrayLength() == 0) throw new InvalidRequestException("'entities' lists no entity row", "entities");
                    file = NewFile(engine, "json");
                    await File.WriteAllTextAsync(file, entities.GetRawText(), context.RequestAborted);
                }
                if (body.TryGetProperty("entity_dataset", out var dataset)) entityDataset = String(dataset, "entity_dataset");
                if (body.TryGetProperty("format", out var f)) format = String(f, "format");
                request = new TrainingSetRequest
                {
                    Principal = principal, Interface = asking,
                    FeatureService = body.TryGetProperty("feature_service", out var service) ? String(service, "feature_service") : null,
                    Features = body.TryGetProperty("features", out var list) ? Strings(list) : [],
                    EntityFile = file, EntityFormat = file is null ? null : "json", EntityDataset = entityDataset,
                };
            }
            else
            {
                var entityFormat = contentType switch
                {
                    "text/csv" => "csv",
                    "application/vnd.apache.parquet" or "application/x-parquet" or "application/parquet" => "parquet",
                    _ => throw new InvalidRequestException($"entity rows are sent as application/json, text/csv or application/vnd.apache.parquet, not {contentType}", "Content-Type"),
                };
                file = NewFile(engine, entityFormat);
                await using (var stream = File.Create(file)) await context.Request.Body.CopyToAsync(stream, context.RequestAborted);
                request = new TrainingSetRequest
                {
                    Principal = principal, Interface = asking,
                    FeatureService = query["feature_service"],
                    Features = query["features"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList(),
                    EntityFile = file, EntityFormat = entityFormat,
                };
            }
            context.Items[AuditMiddleware.AuditedKey] = true;
            await pipeline.ServeAsync(request, new HttpReadSink(context, format, project), context.RequestAborted);
        }
        finally
        {
            if (file is not null) try { File.Delete(file); } catch (IOException) { }
        }
    }

    private static async Task Online(HttpContext context, ReadPipeline pipeline, ProjectDefinition project, PrincipalResolver principals)
    {
        var principal = await principals.ResolveAsync(context);
        JsonElement body;
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
            body = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidRequestException($"the body is not valid JSON: {e.Message}", "body");
        }
        if (body.ValueKind != JsonValueKind.Object) throw new InvalidRequestException("the body must be a JSON object", "body");
        if (!body.TryGetProperty("entities", out var entities))
            throw new InvalidRequestException("the body has no 'entities': give {\"<key column>\": [values…]}", "entities");
        var request = new FeatureLookupRequest
        {
            Principal = principal, Interface = "rest",
            FeatureService = body.TryGetProperty("feature_service", out var service) ? String(service, "feature_service") : null,
            Features = body.TryGetProperty("features", out var list) ? Strings(list) : [],
            Entities = entities,
        };
        context.Items[AuditMiddleware.AuditedKey] = true;
        await pipeline.ServeAsync(request, new HttpReadSink(context, "json", project), context.RequestAborted);
    }

    private static string NewFile(LadleEngine engine, string extension)
    {
        Directory.CreateDirectory(engine.Store.PipeDirectory);
        return Path.Combine(engine.Store.PipeDirectory, $"entities-{Guid.NewGuid():N}.{extension}");
    }

    private static string String(JsonElement value, string name) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new InvalidRequestException($"'{name}' must be a string", name);

    private static List<string> Strings(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Array => value.EnumerateArray().Select(v => String(v, "features")).ToList(),
        JsonValueKind.String => [value.GetString()!],
        _ => throw new InvalidRequestException("'features' must be a list of view.feature names", "features"),
    };
}
