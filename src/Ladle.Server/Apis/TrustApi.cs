using Ladle.Core.Loading;
using Ladle.Core.Model;
using Ladle.Engine.Serving;
using Ladle.Engine.State;
using Ladle.Engine.Trust;
using Ladle.Server.Hosting;
using Ladle.Server.Queries;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Ladle.Server.Apis;

/// <summary>Trust: dataset health with SLO attainment, the project's health, check history.</summary>
public static class TrustApi
{
    public static IEndpointRouteBuilder MapTrustApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/health", Summary).WithTags("Trust").WithName("ProjectHealth")
            .WithSummary("Every dataset's status, and counts by status.");
        var datasets = app.MapGroup("/api/v1/datasets/{name}").WithTags("Trust");
        datasets.MapGet("/health", Health).WithName("DatasetHealth")
            .WithSummary("Status with reason and since when, last check results, freshness SLO attainment and error budget left.");
        datasets.MapGet("/checks", Checks).WithName("DatasetChecks")
            .WithSummary("Check results, newest first (limit, version).");
        datasets.MapPost("/checks/run", RunChecks).WithName("RunDatasetChecks")
            .WithSummary("Run the dataset's checks now on the served version (or in the source, for live datasets), publishing nothing; admin.");
        return app;
    }

    private static async Task<Ok<ProjectHealthResponse>> Summary(HttpContext context, ReadPipeline pipeline, TrustQueries trust, PrincipalResolver principals, Engine.Access.AuditWriter audit)
    {
        var principal = await principals.ResolveAsync(context);
        var items = new List<DatasetStatusItem>();
        foreach (var dataset in pipeline.Catalog(principal))
        {
            var (served, health) = trust.Status(dataset);
            items.Add(new DatasetStatusItem(dataset.Name, health.StatusName, health.Reason, health.Since, served?.Version, served?.PublishedAt));
        }
        var counts = items.GroupBy(i => i.Status).ToDictionary(g => g.Key, g => g.Count());
        var worst = items.Select(i => Enum.Parse<DataStatus>(i.Status, ignoreCase: true)).DefaultIfEmpty(DataStatus.Ok).Max();
        // Reads go on when Ladle cannot write (a full disk), but nothing refreshes and audit entries wait in memory.
        var writes = WritesInfo.From(trust.Writes, audit);
        if (writes.Status != "ok" && worst < DataStatus.Failed) worst = DataStatus.Failed;
        return TypedResults.Ok(new ProjectHealthResponse(trust.Project, worst.ToString().ToLowerInvariant(), counts, items) { Writes = writes });
    }

    private static async Task<Ok<DatasetHealthResponse>> Health(string name, HttpContext context, ReadPipeline pipeline, TrustQueries trust, PrincipalResolver principals, CancellationToken ct)
    {
        var principal = await principals.ResolveAsync(context);
        var dataset = pipeline.Describe(principal, name);
        var report = await trust.HealthAsync(dataset, ct);
        var scope = await pipeline.ScopeAsync(principal, dataset, ct);
        return TypedResults.Ok(new DatasetHealthResponse(
            report.Dataset,
            report.Health.StatusName,
            report.Health.Reason,
            report.Health.Since,
            report.ServedVersion,
            report.PublishedAt,
            report.LatestAttempt is { } a ? new AttemptInfo(a.Version, a.Status.ToString().ToLowerInvariant(), a.FinishedAt, a.Error) : null,
            report.ServedChecks.Select(r => CheckInfo.From(r, scope, principal.Name, dataset)).ToList(),
            report.LatestAttemptChecks.Select(r => CheckInfo.From(r, scope, principal.Name, dataset)).ToList(),
            report.Freshness is { } slo ? new SloInfo(Durations.Format(slo.MaxAge), slo.Objective, Durations.Format(slo.Window), slo.From, slo.Attainment, slo.Met,
                slo.StaleTime.TotalSeconds, slo.BudgetTotal.TotalSeconds, slo.BudgetLeft.TotalSeconds) : null,
            report.OpenIncidents.Select(i => new IncidentInfo(i.Kind, i.Reason, i.OpenedAt)).ToList(),
            dataset.OnStale.ToString().ToLowerInvariant()));
    }

    private static async Task<Ok<ChecksResponse>> Checks(string name, HttpContext context, ReadPipeline pipeline, TrustQueries trust, PrincipalResolver principals, int? limit, long? version, CancellationToken ct)
    {
        var principal = await principals.ResolveAsync(context);
        var dataset = pipeline.Describe(principal, name);
        var results = await trust.ChecksAsync(dataset, version, Math.Clamp(limit ?? 200, 1, 10_000), ct);
        var scope = await pipeline.ScopeAsync(principal, dataset, ct);
        return TypedResults.Ok(new ChecksResponse(dataset.Name, dataset.Checks.Select(c => new CheckDeclared(c.Name, ProjectLoader.Snake(c.Kind), c.Severity.ToString().ToLowerInvariant())).ToList(),
            results.Select(r => CheckInfo.From(r, scope, principal.Name, dataset)).ToList()));
    }

    /// <summary>
    /// Checks on demand (what `ladle checks run` asks of a running server): like a refresh, starting work takes the
    /// admin grant. Answers the results of this run; an error check failing is a result, not an HTTP error.
    /// </summary>
    private static async Task<Ok<ChecksRunResponse>> RunChecks(string name, HttpContext context, ReadPipeline pipeline, TrustQueries trust, PrincipalResolver principals, CancellationToken ct)
    {
        var principal = await principals.ResolveAsync(context);
        var dataset = pipeline.Describe(principal, name);
        pipeline.Policy.AuthorizeProject(principal, Core.Policy.DataAction.Admin);
        var results = await trust.RunChecksAsync(dataset, ct);
        var scope = await pipeline.ScopeAsync(principal, dataset, ct);
        return TypedResults.Ok(new ChecksRunResponse(dataset.Name, results.FirstOrDefault()?.Version, results.Any(r => r.Blocks),
            results.Select(r => CheckInfo.From(r, scope, principal.Name, dataset)).ToList()));
    }

    /// <summary>The results of checks run on demand; <c>Blocking</c> when an error check failed.</summary>
    public sealed record ChecksRunResponse(string Dataset, long? Version, bool Blocking, IReadOnlyList<CheckInfo> Results);

    /// <summary>A dataset's line in the project health.</summary>
    public sealed record DatasetStatusItem(string Dataset, string Status, string? Reason, DateTimeOffset? Since, long? Version, DateTimeOffset? PublishedAt);

    /// <summary>The project's health: the worst status, counts, every dataset, and whether Ladle can write.</summary>
    public sealed record ProjectHealthResponse(string Project, string Status, IReadOnlyDictionary<string, int> Counts, IReadOnlyList<DatasetStatusItem> Datasets)
    {
        public WritesInfo? Writes { get; init; }
    }

    /// <summary>
    /// Whether Ladle can write its state and store: "unavailable" with the reason (the file, "no space left on
    /// device") while they refuse, reads going on; audit entries waiting in memory and lost since start.
    /// </summary>
    public sealed record WritesInfo(string Status, string? Reason, DateTimeOffset? Since, int AuditEntriesHeld, long AuditEntriesLost)
    {
        public static WritesInfo From(Engine.State.WriteHealth health, Engine.Access.AuditWriter audit) => health.Failure is { } failure
            ? new WritesInfo("unavailable", failure.Reason, failure.Since, audit.Held, audit.Lost)
            : new WritesInfo("ok", null, null, audit.Held, audit.Lost);
    }

    /// <summary>The newest materialization attempt.</summary>
    public sealed record AttemptInfo(long Version, string Status, DateTimeOffset? FinishedAt, string? Error);

    /// <summary>
    /// One check result, as much of it as the caller's scope admits (<see cref="ReadPipeline.ScopeAsync"/>): its
    /// figures and message count every row of the dataset, and its sample is rows in clear. A principal reading the
    /// whole dataset in clear gets everything; one reading it masked gets no sample; one reading it through a row
    /// filter gets the outcome only. <c>Withheld</c> says what was left out and why.
    /// </summary>
    public sealed record CheckInfo(string Check, string Kind, string Severity, string Outcome, long? Version, long? FailingRows, long? TotalRows,
        double? Observed, string Message, System.Text.Json.JsonElement? Sample, DateTimeOffset RanAt, double DurationMs, string? Withheld)
    {
        public static CheckInfo From(CheckResult r, ReadScope scope, string principal, DatasetDefinition dataset)
        {
            var outcome = r.Outcome.ToString().ToLowerInvariant();
            var said = "the check " + r.Outcome switch { CheckOutcome.Error => "could not run", CheckOutcome.Skipped => "was skipped", _ => outcome };
            if (scope == ReadScope.Filtered)
                return new(r.Check, ProjectLoader.Snake(r.Kind), r.Severity.ToString().ToLowerInvariant(), outcome, r.Version, null, null, null,
                    said, null, r.RanAt, r.Duration.TotalMilliseconds,
                    $"figures, message and sample: they are computed over every row of '{r.Dataset}', and principal '{principal}' reads it through a row filter");
            var withSample = scope == ReadScope.Whole && r.Sample is not null;
            // A mean or newest value of a masked column is a statistic of its clear values (as min/max in metrics).
            var maskedValue = scope == ReadScope.Masked && (r.Kind is CheckKind.Anomaly or CheckKind.Freshness)
                && dataset.Checks.FirstOrDefault(c => c.Name == r.Check) is { } declared && declared.Columns.Any(c => dataset.FindColumn(c)?.Pii == true);
            var withheld = string.Join(" and ", new[] { maskedValue ? "observed value and message" : null, r.Sample is not null && !withSample ? "sample" : null }.OfType<string>());
            return new(r.Check, ProjectLoader.Snake(r.Kind), r.Severity.ToString().ToLowerInvariant(), outcome, r.Version, r.FailingRows, r.TotalRows,
                maskedValue ? null : r.Observed, maskedValue ? said : r.Message,
                withSample ? System.Text.Json.JsonDocument.Parse(r.Sample!).RootElement.Clone() : null, r.RanAt, r.Duration.TotalMilliseconds,
                withheld.Length > 0 ? $"{withheld}: they show values in clear, and principal '{principal}' reads '{r.Dataset}' with masked columns" : null);
        }
    }

    /// <summary>Freshness SLO attainment over its window.</summary>
    public sealed record SloInfo(string MaxAge, double Objective, string Window, DateTimeOffset MeasuredFrom, double Attainment, bool Met,
        double StaleSeconds, double BudgetTotalSeconds, double BudgetLeftSeconds);

    /// <summary>An open incident.</summary>
    public sealed record IncidentInfo(string Kind, string Reason, DateTimeOffset OpenedAt);

    /// <summary>A dataset's health in full.</summary>
    public sealed record DatasetHealthResponse(string Dataset, string Status, string? Reason, DateTimeOffset? Since, long? ServedVersion,
        DateTimeOffset? PublishedAt, AttemptInfo? LatestAttempt, IReadOnlyList<CheckInfo> Checks, IReadOnlyList<CheckInfo> LatestAttemptChecks,
        SloInfo? Freshness, IReadOnlyList<IncidentInfo> OpenIncidents, string OnStale);

    /// <summary>A declared check.</summary>
    public sealed record CheckDeclared(string Name, string Kind, string Severity);

    /// <summary>Declared checks and their results.</summary>
    public sealed record ChecksResponse(string Dataset, IReadOnlyList<CheckDeclared> Declared, IReadOnlyList<CheckInfo> Results);
}
