using Ladle.Core.Errors;
using Ladle.Engine.State;
using Ladle.Engine;
using Ladle.Engine.Scheduling;
using Ladle.Engine.Serving;
using Ladle.Server.Contracts;
using Ladle.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Ladle.Server.Apis;

/// <summary>
/// POST /api/v1/datasets/{name}/refresh: a run now, through the scheduler's queue (so never beside another run
/// of the dataset). 202 with a Location to the dataset's versions; with ?wait=true the run's outcome instead
/// (<see cref="RunReport"/>): 200 published, 422 quarantined or failed to build, 424 skipped because an input failed,
/// 503 its source was unavailable (after the configured retries) or Ladle stopped first, 507 the disk holding the
/// store or the state is full, 500 Ladle failed unexpectedly.
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

        // The client may leave; the run goes on without it.
        var outcome = await run.Completion.WaitAsync(context.RequestAborted);
        var report = RunReport.From(run, outcome);
        if (outcome.Published) return TypedResults.Ok(report);
        var (status, kind, title) = Answer(outcome);
        var detail = outcome.Status == RunStatus.Interrupted
            ? $"Ladle stopped before the run of '{dataset.Name}' finished; the previous version stays served"
            : outcome.Error ?? "the run failed";
        return Problem(context, status, kind, title, detail, report);
    }

    /// <summary>
    /// The HTTP answer to a run that did not publish. A failure answers what the one error table
    /// (<see cref="ErrorCategories"/>) gives its category for a run: 422 for what the owner must fix (the definition,
    /// the source's data), 503 when its source was unavailable (after the configured retries), 507 for a full disk.
    /// </summary>
    private static (int Status, string Kind, string Title) Answer(RunOutcome outcome)
    {
        switch (outcome.Status)
        {
            case RunStatus.Quarantined: return (StatusCodes.Status422UnprocessableEntity, "quarantined", "Quarantined");
            case RunStatus.Skipped: return (StatusCodes.Status424FailedDependency, "dependency-failed", "Failed dependency");
            case RunStatus.Interrupted: return (StatusCodes.Status503ServiceUnavailable, "stopped", "Service unavailable");
        }
        var info = ErrorCategories.Of(outcome.Category ?? ErrorCategory.Internal);
        return info.RunStatus == StatusCodes.Status422UnprocessableEntity
            ? (info.RunStatus, "materialization-failed", "Materialization failed")
            : (info.RunStatus, info.Slug, info.Title);
    }

    private static bool ParseWait(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "false" or "0" => false,
        "true" or "1" => true,
        _ => throw new InvalidRequestException($"wait must be true or false, not '{text}'", "wait"),
    };

    /// <summary>The same shape ProblemMiddleware gives Ladle's errors (with the failure's category), plus the run.</summary>
    private static ProblemHttpResult Problem(HttpContext context, int status, string kind, string title, string detail, RunReport report)
    {
        var extensions = new Dictionary<string, object?> { ["run"] = report };
        if (report.Category is { } category) extensions["category"] = category;
        return TypedResults.Problem(detail, context.Request.Path, status, title, $"https://ladle.dev/problems/{kind}", extensions: extensions);
    }
}
