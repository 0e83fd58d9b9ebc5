using Cronos;
using Ladle.Core.Model;
using Ladle.Engine.Serving;
using Ladle.Engine.State;
using Ladle.Server.Hosting;
using Ladle.Server.Queries;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Ladle.Server.Apis;

/// <summary>
/// What operators look at across datasets: recent runs and their outcomes, open incidents, schedules with their next
/// run, and every dataset's lineage. Each answers only about the datasets the caller may see (as the catalog does).
/// </summary>
public static class OpsApi
{
    /// <summary>The most runs or incidents one request answers.</summary>
    public const int MaxLimit = 1000;

    public static IEndpointRouteBuilder MapOpsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/runs", Runs).WithTags("Ops").WithName("ListRuns")
            .WithSummary("Materialization runs of every dataset the caller may see, newest first: outcome, trigger, times, rows, error (dataset=, limit=).");
        app.MapGet("/api/v1/incidents", Incidents).WithTags("Ops").WithName("ListIncidents")
            .WithSummary("Incidents of the datasets the caller may see, newest first (open=true for open ones only, limit=).");
        app.MapGet("/api/v1/schedules", Schedules).WithTags("Ops").WithName("ListSchedules")
            .WithSummary("Every scheduled dataset the caller may see: its cron (UTC), next run, and last run.");
        app.MapGet("/api/v1/datasets/{name}/lineage", Lineage).WithTags("Datasets").WithName("DatasetLineage")
            .WithSummary("What the dataset is built from and what is built from it, transitively, as nodes and edges (only datasets the caller may see).");
        return app;
    }

    private static async Task<Ok<RunsResponse>> Runs(HttpContext context, ReadPipeline pipeline, DatasetQueries datasets, PrincipalResolver principals,
        string? dataset, int? limit, CancellationToken ct)
    {
        var principal = await principals.ResolveAsync(context);
        var take = Limit(limit, 100);
        var targets = dataset is null ? pipeline.Catalog(principal).ToList() : [pipeline.Describe(principal, dataset)];
        var runs = new List<RunInfo>();
        foreach (var d in targets)
        {
            // A run's row count is taken over every row: not for a principal that reads the dataset through a row filter.
            var whole = await pipeline.ScopeAsync(principal, d, ct) != ReadScope.Filtered;
            foreach (var v in await datasets.VersionsAsync(d, take, ct))
                runs.Add(new RunInfo(v.Dataset, v.Version, v.Status.ToString().ToLowerInvariant(), v.Trigger, v.StartedAt, v.FinishedAt, v.PublishedAt,
                    v.FinishedAt is { } end ? (end - v.StartedAt).TotalSeconds : null, whole ? v.RowCount : null, v.Error));
        }
        return TypedResults.Ok(new RunsResponse(runs.OrderByDescending(r => r.StartedAt).ThenBy(r => r.Dataset, StringComparer.Ordinal).Take(take).ToList()));
    }

    private static async Task<Ok<IncidentsResponse>> Incidents(HttpContext context, ReadPipeline pipeline, IStateStore state, PrincipalResolver principals,
        bool? open, int? limit, CancellationToken ct)
    {
        var principal = await principals.ResolveAsync(context);
        var visible = pipeline.Catalog(principal).Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        var admin = pipeline.Policy.IsAdmin(principal);
        var take = Limit(limit, 100);
        // Incidents of what the caller may not see (another domain's dataset, a sync) are an admin's only.
        var incidents = (await state.ListIncidentsAsync(null, MaxLimit, ct))
            .Where(i => admin || visible.Contains(i.Dataset))
            .Where(i => open != true || i.ResolvedAt is null)
            .Take(take)
            .Select(i => new IncidentEntry(i.Id, i.Dataset, i.Kind, i.Reason, i.OpenedAt, i.ResolvedAt, i.ResolvedAt is null ? "open" : "resolved"))
            .ToList();
        return TypedResults.Ok(new IncidentsResponse(incidents));
    }

    private static async Task<Ok<SchedulesResponse>> Schedules(HttpContext context, ReadPipeline pipeline, DatasetQueries datasets, PrincipalResolver principals,
        LadleServerOptions options, CancellationToken ct)
    {
        var principal = await principals.ResolveAsync(context);
        var now = (options.Clock ?? TimeProvider.System).GetUtcNow();
        var items = new List<ScheduleInfo>();
        foreach (var d in pipeline.Catalog(principal).Where(d => d.Schedule is not null))
        {
            var next = CronExpression.Parse(d.Schedule!).GetNextOccurrence(now.UtcDateTime, TimeZoneInfo.Utc);
            var last = (await datasets.VersionsAsync(d, 1, ct)).FirstOrDefault();
            items.Add(new ScheduleInfo(d.Name, d.Schedule!, next is { } n ? new DateTimeOffset(n, TimeSpan.Zero) : null,
                last is null ? null : new LastRun(last.Version, last.Status.ToString().ToLowerInvariant(), last.StartedAt, last.FinishedAt)));
        }
        return TypedResults.Ok(new SchedulesResponse(items.OrderBy(i => i.NextRunAt ?? DateTimeOffset.MaxValue).ToList()));
    }

    private static async Task<Ok<LineageResponse>> Lineage(string name, HttpContext context, ReadPipeline pipeline, DatasetQueries datasets, PrincipalResolver principals)
    {
        var principal = await principals.ResolveAsync(context);
        var self = pipeline.Describe(principal, name);
        var visible = pipeline.Catalog(principal).ToDictionary(d => d.Name, StringComparer.Ordinal);
        var dependents = visible.Values.SelectMany(d => d.DependsOn.Select(input => (Input: input, Dependent: d.Name)))
            .ToLookup(e => e.Input, e => e.Dependent, StringComparer.Ordinal);
        // Walk both ways from the dataset, through visible datasets only: a dataset the caller may not see is neither
        // shown nor walked through (an edge around it would claim a dependency that does not exist).
        var depth = new Dictionary<string, int>(StringComparer.Ordinal) { [self.Name] = 0 };
        var edges = new HashSet<(string From, string To)>();
        Walk(self.Name, -1, n => visible.TryGetValue(n, out var d) ? d.DependsOn : [], (from, to) => (to, from));
        Walk(self.Name, 1, n => dependents[n], (from, to) => (from, to));

        void Walk(string start, int step, Func<string, IEnumerable<string>> next, Func<string, string, (string, string)> edge)
        {
            var queue = new Queue<string>([start]);
            while (queue.TryDequeue(out var at))
                foreach (var other in next(at))
                {
                    if (!visible.ContainsKey(other)) continue;
                    edges.Add(edge(at, other));
                    if (depth.ContainsKey(other)) continue;
                    depth[other] = depth[at] + step;
                    queue.Enqueue(other);
                }
        }

        var nodes = depth.OrderBy(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => new LineageNode(p.Key, visible.TryGetValue(p.Key, out var d) ? d.Domain : self.Domain, datasets.Status(visible.GetValueOrDefault(p.Key) ?? self).Health.StatusName, p.Value))
            .ToList();
        return TypedResults.Ok(new LineageResponse(self.Name, nodes, edges.Select(e => new LineageEdge(e.From, e.To)).OrderBy(e => e.From, StringComparer.Ordinal).ThenBy(e => e.To, StringComparer.Ordinal).ToList()));
    }

    private static int Limit(int? limit, int fallback)
    {
        if (limit is { } l && (l < 1 || l > MaxLimit)) throw new Core.Errors.InvalidRequestException($"limit must be between 1 and {MaxLimit}, not {l}", "limit");
        return limit ?? fallback;
    }

    /// <summary>A materialization run: one version attempt and its outcome.</summary>
    public sealed record RunInfo(string Dataset, long Version, string Status, string? Trigger, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt,
        DateTimeOffset? PublishedAt, double? Seconds, long? RowCount, string? Error);

    /// <summary>Runs, newest first.</summary>
    public sealed record RunsResponse(IReadOnlyList<RunInfo> Runs);

    /// <summary>An incident: open until its cause is gone.</summary>
    public sealed record IncidentEntry(long Id, string Dataset, string Kind, string Reason, DateTimeOffset OpenedAt, DateTimeOffset? ResolvedAt, string State);

    /// <summary>Incidents, newest first.</summary>
    public sealed record IncidentsResponse(IReadOnlyList<IncidentEntry> Incidents);

    /// <summary>A dataset's last run.</summary>
    public sealed record LastRun(long Version, string Status, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt);

    /// <summary>A scheduled dataset: its cron (UTC), when it runs next, and its last run.</summary>
    public sealed record ScheduleInfo(string Dataset, string Schedule, DateTimeOffset? NextRunAt, LastRun? LastRun);

    /// <summary>Scheduled datasets, soonest first.</summary>
    public sealed record SchedulesResponse(IReadOnlyList<ScheduleInfo> Schedules);

    /// <summary>A dataset in a lineage graph: <c>Depth</c> below 0 for inputs (−1 direct), above 0 for dependents.</summary>
    public sealed record LineageNode(string Name, string? Domain, string Status, int Depth);

    /// <summary>An edge: <c>To</c> is built from <c>From</c>.</summary>
    public sealed record LineageEdge(string From, string To);

    /// <summary>A dataset's lineage.</summary>
    public sealed record LineageResponse(string Dataset, IReadOnlyList<LineageNode> Nodes, IReadOnlyList<LineageEdge> Edges);
}
