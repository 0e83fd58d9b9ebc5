using Ladle.Core.Errors;
using Ladle.Engine.State;
using Ladle.Engine;
using Ladle.Engine.Checks;
using Ladle.Engine.Scheduling;
using Ladle.Engine.Serving;
using Ladle.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Ladle.Server.Apis;

/// <summary>
/// POST /api/v1/datasets/{name}/refresh: a run now, through the scheduler's queue (so never beside another run
/// of the dataset). 202 with a Location to the dataset's versions; with ?wait=true the run's outcome instead:
/// 200 published, 422 quarantined or failed to build, 424 skipped because an input failed, 503 its source failed
/// (after the configured retries) or Ladle stopped first, 507 the disk holding the store or the state is full.
/// </summary>
public static class RefreshApi
{
    public static IEndpointRouteBuilder MapRefreshApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/v1/datasets").WithTags("Datasets")
            .MapPost("/{name}/refresh", Refresh).WithName("RefreshDataset")
            .WithSummary("Run the dataset now (table datasets); wait=true answers with the run's outcome.");
        return app;
    }

    private static async Task<Results<Accepted<RefreshAccepted>, Ok<RunReport>, ProblemHttpResult>> Refresh(
        string name, HttpContext context, ReadPipeline pipeline, PrincipalResolver principals, DatasetScheduler scheduler)
    {
        var principal = await principals.ResolveAsync(context);
        var dataset = pipeline.Describe(principal, name);
        // Starting work in the platform is an operator's act: it takes the admin grant, like tokens and the audit log.
        pipeline.Policy.AuthorizeProject(principal, Core.Policy.DataAction.Admin);
        var wait = ParseWait(context.Request.Query["wait"]);
        var (run, coalesced) = scheduler.Request(dataset.Name, "api");
        if (!wait)
        {
            return TypedResults.Accepted($"/api/v1/datasets/{Uri.EscapeDataString(dataset.Name)}/versions",
                new RefreshAccepted(dataset.Name, run.Trigger, coalesced, run.RequestedAt));
        }

        MaterializeResult result;
        try
        {
            // The client may leave; the run goes on without it.
            result = await run.Completion.WaitAsync(context.RequestAborted);
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            return Problem(context, StatusCodes.Status503ServiceUnavailable, "stopped", "Service unavailable",
                $"Ladle stopped before the run of '{dataset.Name}' finished; the previous version stays served", null);
        }
        var report = RunReport.From(run, result);
        return report.Outcome switch
        {
            "published" => TypedResults.Ok(report),
            "quarantined" => Problem(context, StatusCodes.Status422UnprocessableEntity, "quarantined", "Quarantined", result.Error!, report),
            "skipped" => Problem(context, StatusCodes.Status424FailedDependency, "dependency-failed", "Failed dependency", result.Error!, report),
            _ when result.StorageFull => Problem(context, StatusCodes.Status507InsufficientStorage, "storage-full", "Insufficient storage", result.Error!, report),
            _ when result.SourceError => Problem(context, StatusCodes.Status503ServiceUnavailable, "source-unavailable", "Service unavailable", result.Error!, report),
            _ => Problem(context, StatusCodes.Status422UnprocessableEntity, "materialization-failed", "Materialization failed", result.Error ?? "the run failed", report),
        };
    }

    private static bool ParseWait(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "false" or "0" => false,
        "true" or "1" => true,
        _ => throw new InvalidRequestException($"wait must be true or false, not '{text}'", "wait"),
    };

    /// <summary>The same shape ProblemMiddleware gives Ladle's errors, plus the run when there is one.</summary>
    private static ProblemHttpResult Problem(HttpContext context, int status, string kind, string title, string detail, RunReport? report) =>
        TypedResults.Problem(detail, context.Request.Path, status, title, $"https://ladle.dev/problems/{kind}",
            extensions: report is null ? null : new Dictionary<string, object?> { ["run"] = report });

    /// <summary>A run was requested (or joined one already queued or building).</summary>
    public sealed record RefreshAccepted(string Dataset, string Trigger, bool Coalesced, DateTimeOffset RequestedAt);

    /// <summary>How a run ended: the result of its last attempt.</summary>
    public sealed record RunReport(string Dataset, string Trigger, string Outcome, long? Version, long Rows, double Seconds,
        int Attempts, string? Error, IReadOnlyList<CheckReport> Checks)
    {
        public static RunReport From(DatasetRun run, MaterializeResult result) => new(
            result.Dataset,
            run.Trigger,
            result.Published ? "published" : result.Quarantined ? "quarantined" : run.Attempts == 0 ? "skipped" : "failed",
            result.Version,
            result.Rows,
            Math.Round(result.Duration.TotalSeconds, 3),
            run.Attempts,
            result.Error,
            result.Checks.Select(CheckReport.From).ToList());
    }

    /// <summary>One check of the version the run built.</summary>
    public sealed record CheckReport(string Name, string Severity, string Outcome, long FailingRows, string Message)
    {
        public static CheckReport From(CheckResult c) =>
            new(c.Check, c.Severity.ToString().ToLowerInvariant(), c.Outcome.ToString().ToLowerInvariant(), c.FailingRows, c.Message);
    }
}
