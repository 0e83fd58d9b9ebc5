using System.Globalization;
using Ladle.Core.Errors;
using Ladle.Core.Model.Syncs;
using Ladle.Engine.Serving;
using Ladle.Engine.State;
using Ladle.Server.Hosting;
using Ladle.Syncs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Ladle.Server.Apis;

/// <summary>
/// /api/v1/syncs: the project's syncs (reverse ETL), their runs and the rows their destinations rejected, and
/// plan (what a run would send, nothing sent) and run. A sync pushes data out of the platform as its own principal,
/// so seeing and starting syncs is an operator's act: it takes the admin grant, like refresh and tokens.
/// </summary>
public static class SyncsApi
{
    public static IEndpointRouteBuilder MapSyncsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/syncs").WithTags("Syncs");
        group.MapGet("/", List).WithName("ListSyncs").WithSummary("The project's syncs with their last run.");
        group.MapGet("/{name}", Get).WithName("GetSync").WithSummary("A sync's definition and last run.");
        group.MapGet("/{name}/runs", Runs).WithName("SyncRuns").WithSummary("A sync's runs, newest first (limit, default 50).");
        group.MapGet("/{name}/rejections", Rejections).WithName("SyncRejections").WithSummary("Rows the destination rejected, still owed, with its reasons (limit, default 100).");
        group.MapPost("/{name}/plan", Plan).WithName("PlanSync").WithSummary("What a run would send now: counts and samples; nothing is sent.");
        group.MapPost("/{name}/run", Run).WithName("RunSync").WithSummary("Runs the sync now and answers its recorded run; with ?plan=ID it applies exactly that plan, or answers 409 when the source or ledger moved since.");
        return app;
    }

    /// <summary>A sync as the API shows it: never its secrets' values, only which variables hold them.</summary>
    public sealed record SyncInfo(string Name, string? Description, string Dataset, string Principal, string Destination, string Mode,
        string? Schedule, bool OnPublish, int BatchSize, double? RateLimit, string File, SyncRunRecord? LastRun);

    private static async Task<Ok<IReadOnlyList<SyncInfo>>> List(HttpContext context, ReadPipeline pipeline, PrincipalResolver principals, SyncService syncs)
    {
        await AuthorizeAsync(context, pipeline, principals);
        var infos = new List<SyncInfo>();
        foreach (var sync in syncs.Syncs) infos.Add(await InfoAsync(sync, syncs, context.RequestAborted));
        return TypedResults.Ok<IReadOnlyList<SyncInfo>>(infos);
    }

    private static async Task<Ok<SyncInfo>> Get(string name, HttpContext context, ReadPipeline pipeline, PrincipalResolver principals, SyncService syncs)
    {
        await AuthorizeAsync(context, pipeline, principals);
        return TypedResults.Ok(await InfoAsync(syncs.Find(name), syncs, context.RequestAborted));
    }

    private static async Task<Ok<IReadOnlyList<SyncRunRecord>>> Runs(string name, HttpContext context, ReadPipeline pipeline, PrincipalResolver principals, SyncService syncs)
    {
        await AuthorizeAsync(context, pipeline, principals);
        return TypedResults.Ok(await syncs.HistoryAsync(name, Limit(context, 50), context.RequestAborted));
    }

    private static async Task<Ok<IReadOnlyList<SyncRowEntry>>> Rejections(string name, HttpContext context, ReadPipeline pipeline, PrincipalResolver principals, SyncService syncs)
    {
        await AuthorizeAsync(context, pipeline, principals);
        return TypedResults.Ok(await syncs.RejectionsAsync(name, Limit(context, 100), context.RequestAborted));
    }

    private static async Task<Ok<SyncPlan>> Plan(string name, HttpContext context, ReadPipeline pipeline, PrincipalResolver principals, SyncService syncs)
    {
        await AuthorizeAsync(context, pipeline, principals);
        return TypedResults.Ok(await syncs.PlanAsync(name, context.RequestAborted));
    }

    private static async Task<Ok<SyncRunRecord>> Run(string name, HttpContext context, ReadPipeline pipeline, PrincipalResolver principals, SyncService syncs)
    {
        await AuthorizeAsync(context, pipeline, principals);
        var plan = context.Request.Query["plan"].ToString();
        // The run goes on if the client leaves: delivery stops only between batches, with the ledger consistent.
        return TypedResults.Ok(await syncs.RunAsync(name, "api", plan.Length == 0 ? null : plan, CancellationToken.None));
    }

    private static async Task AuthorizeAsync(HttpContext context, ReadPipeline pipeline, PrincipalResolver principals)
    {
        var principal = await principals.ResolveAsync(context);
        pipeline.Policy.AuthorizeProject(principal, Core.Policy.DataAction.Admin);
    }

    private static async Task<SyncInfo> InfoAsync(SyncDefinition sync, SyncService syncs, CancellationToken cancellationToken)
    {
        var last = (await syncs.HistoryAsync(sync.Name, 1, cancellationToken)).FirstOrDefault();
        return new SyncInfo(sync.Name, sync.Description, sync.Dataset, sync.Principal, sync.Destination.Kind.ToString().ToLowerInvariant(),
            sync.Mode.ToString().ToLowerInvariant(), sync.Schedule, sync.OnPublish, sync.BatchSize, sync.RequestsPerSecond, sync.File, last);
    }

    private static int Limit(HttpContext context, int fallback)
    {
        var text = context.Request.Query["limit"].ToString();
        if (text.Length == 0) return fallback;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= 10_000
            ? limit
            : throw new InvalidRequestException($"limit must be a whole number from 1 to 10000, not '{text}'", "limit");
    }
}
