using System.Diagnostics;
using Ladle.Core.Plans;
using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Core.Policy;
using Ladle.Core.Queries;
using Ladle.Core.Semantic.Planning;
using Ladle.Core.Semantic.Queries;
using Ladle.Engine.Access;
using Ladle.Engine.Internal;
using Ladle.Engine.Encoders;
using Ladle.Engine.Results;
using Ladle.Engine.Semantic;
using Ladle.Engine.Sql;
using Ladle.Engine.Trust;

namespace Ladle.Engine.Serving;

public sealed partial class ReadPipeline
{
    /// <summary>A metric query planned against the semantic layer inside the caller's metric scope, its limit capped for paged and limited sinks.</summary>
    private MetricsPlan PlanMetrics(MetricsRequest request, SinkCapabilities capabilities)
    {
        var maxLimit = capabilities.Paged ? _project.Server.MaxPageSize : capabilities.MaxRows + 1;
        var planned = _semantic.Plan(request.Query, maxLimit, MetricScopeOf(request.Principal));
        return new MetricsPlan(request.Query, planned, capabilities.Paged ? DataAction.Read : DataAction.Export);
    }

    /// <summary>Leases the versions the metric query reads and compiles it (MetricSqlWriter: cache, rollup or one statement), each dataset's row filters applied before aggregation.</summary>
    private OpenedMetrics OpenMetrics(MetricsPlan plan, IReadOnlyDictionary<string, PolicyScope> scopes) =>
        new(_semantic, plan, _semantic.Open(plan.Planned, RowFiltersOf(scopes)));

    private static Dictionary<string, IReadOnlyList<IReadOnlyList<Filter>>> RowFiltersOf(IReadOnlyDictionary<string, PolicyScope> scopes)
    {
        var rowFilters = new Dictionary<string, IReadOnlyList<IReadOnlyList<Filter>>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (dataset, scope) in scopes)
            if (scope.RowFilters.Count > 0) rowFilters[dataset] = scope.RowFilters;
        return rowFilters;
    }

    /// <summary>A metric query opened on its engine: answered from the cache, a rollup or one statement.</summary>
    private sealed class OpenedMetrics(MetricsEngine semantic, MetricsPlan plan, MetricExecution execution) : OpenedRead
    {
        private byte[]? _encoded;
        private Results.ResultStream? _result;

        public override string Name => "metrics";
        public override IReadOnlyList<(DatasetDefinition Dataset, DataVersion? Version)> Leased => execution.Datasets;
        public override string? ETag => execution.ETag;
        public override string AnsweredBy => execution.AnsweredBy;

        public override Task<long> CountAsync(CancellationToken cancellationToken) => execution.CountAsync(cancellationToken);

        public override async ValueTask PrepareAsync(IReadSink sink, ReadAnswer answer, CancellationToken cancellationToken)
        {
            // A cached answer whose status is ok is the same bytes every time it is asked the same way.
            if (plan.Projection is null && execution.Lookup() is { } hit && answer.Status == DataStatus.Ok && sink.Encoder is JsonEncoder or CsvEncoder or NdJsonEncoder)
            {
                var encoder = sink.Encoder;
                semantic.Count(execution);
                if (!answer.Shared || !hit.Encodings.TryGetValue(encoder.Format, out var encoded))
                {
                    using var buffer = new MemoryStream();
                    await using (var rowsOfHit = new Results.BatchListStream(hit.Schema, hit.Rows))
                        await encoder.WriteAsync(rowsOfHit, buffer, new EncodeContext { Name = "metrics", Data = MetricsDataBlock(plan.Planned, answer with { AnsweredBy = execution.AnsweredBy }) }, cancellationToken);
                    encoded = buffer.ToArray();
                    if (answer.Shared) execution.KeepEncoding(encoder.Format, encoded);
                }
                _encoded = encoded;
                return;
            }
            // The statement starts before the answer does, so its errors are still refusals.
            _result = Projected(plan, await execution.ReadAsync(cancellationToken));
            semantic.Count(execution);
        }

        public override async Task<long> WriteAsync(IReadSink sink, ReadAnswer answer, Stream body, CancellationToken cancellationToken)
        {
            if (_encoded is not null)
            {
                await body.WriteAsync(_encoded, cancellationToken);
                return execution.Lookup()!.Rows.Count;
            }
            await sink.WriteAsync(_result!, body, new EncodeContext { Name = "metrics", Data = MetricsDataBlock(plan.Planned, answer) }, cancellationToken);
            return _result!.RowsRead;
        }

        public override async ValueTask DisposeAsync()
        {
            if (_result is not null) await _result.DisposeAsync();
            await execution.DisposeAsync();
        }
    }

    /// <summary>How a query would be answered (SQL, engine, cache, rollups), after the same policy and trust steps, without reading it.</summary>
    public async Task<MetricExplanation> ExplainMetricsAsync(Principal principal, MetricQuery query, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var plan = _semantic.Plan(query, _project.Server.MaxPageSize, MetricScopeOf(principal));
        var planned = clock.Elapsed.TotalMilliseconds;
        // Explain shows the SQL and every dataset read, so it needs sight of all of them (a metric granted by name is not enough).
        if (plan.Datasets.Any(d => !Policy.CanSee(principal, _project.GetDataset(d))))
            throw new ForbiddenException($"explain shows the SQL and the datasets a query reads, and principal '{principal.Name}' may not see all of them; ask without explain");
        var scopes = await AuthorizeMetricsAsync(principal, plan, DataAction.Read, cancellationToken);
        // Compiling is writing the SQL for the engine (and looking up the cache), not the policy step before it.
        clock.Restart();
        await using var execution = _semantic.Open(plan, RowFiltersOf(scopes));
        var compiled = clock.Elapsed.TotalMilliseconds;
        {
            var (_, read) = Judge(execution.Datasets, named: true, refuse: false);
            var cached = execution.IsCached;
            return new MetricExplanation(
                plan.Metrics.Select(m => m.Name).ToList(), execution.Engine, DialectOf(execution), execution.Sql.Text, execution.Sql.Parameters,
                cached ? "cache" : execution.AnsweredBy, execution.CacheKey is not null, cached, execution.NotCachedReason, execution.ETag,
                execution.Rollups, read, plan.Nodes.Select(n => n.ToString()).ToList(), plan.Key, planned, compiled);
        }
    }

    /// <summary>
    /// The metrics a principal may see: those granted to it by name, or whose every dataset it may see. An embed
    /// token narrows them to the metrics it names, or, naming none, to those over the datasets it names.
    /// </summary>
    public IEnumerable<Core.Semantic.MetricDefinition> MetricsCatalog(Principal principal) =>
        _project.Semantic.Metrics.Where(m => MayQueryMetric(principal, m));

    /// <summary>
    /// What a principal may name in a metric query: the metrics of its catalog, and dimensions of datasets it may
    /// see (every dataset a join passes through included); a metric granted by name adds only its own measures and
    /// its model's default time dimension, never the other dimensions of a dataset the principal may not see.
    /// </summary>
    public MetricScope MetricScopeOf(Principal principal)
    {
        if (Policy.IsAdmin(principal)) return MetricScope.All;
        var layer = _project.Semantic;
        var own = new HashSet<string>(layer.Metrics.Where(m => MayQueryMetric(principal, m) && IsOwnMetric(principal, m.Name))
            .SelectMany(m => layer.MeasuresOf(m.Name)).Select(m => m.Model), StringComparer.OrdinalIgnoreCase);
        return new MetricScope(m => MayQueryMetric(principal, m), r =>
            r.Path.Hops.All(h => Policy.CanSee(principal, h.To.Dataset)) &&
            (r.Path.Hops.Count > 0 || Policy.CanSee(principal, r.Path.Root.Dataset) ||
             (r.IsTime && own.Contains(r.Path.Root.Name) && string.Equals(r.Dimension!.Name, r.Path.Root.DefaultTime, StringComparison.OrdinalIgnoreCase))));
    }

    private bool MayQueryMetric(Principal principal, Core.Semantic.MetricDefinition metric)
    {
        var layer = _project.Semantic;
        var datasets = layer.MeasuresOf(metric.Name).Select(layer.ModelOf).Select(m => m.Dataset).Distinct().ToList();
        if (principal.AllowedMetrics is { } listed)
        {
            if (!listed.Contains(metric.Name, StringComparer.OrdinalIgnoreCase)) return false;
            // Named in the token: its measures count as the token's own, whatever datasets the token lists.
            principal = principal with { AllowedDatasets = null };
        }
        else if (principal.AllowedDatasets is { } narrowed && !datasets.All(d => narrowed.Contains(d.Name, StringComparer.OrdinalIgnoreCase))) return false;
        return Policy.IsMetricGranted(principal, metric.Name) || datasets.All(d => Policy.CanSee(principal, d));
    }

    /// <summary>A metric whose own measures the principal may aggregate without seeing their datasets: granted by name, or named in its embed token.</summary>
    private bool IsOwnMetric(Principal principal, string metric) =>
        Policy.IsMetricGranted(principal, metric) || principal.AllowedMetrics?.Contains(metric, StringComparer.OrdinalIgnoreCase) == true;

    private static string DialectOf(MetricExecution execution) => execution.Engine == "store" ? "duckdb" : execution.Engine;

    /// <summary>
    /// The policy step for a metric query. The metrics must be in the principal's catalog; a metric's own datasets
    /// must be readable (or exportable, for csv/parquet/…) unless the metric is granted by name for that action;
    /// every other dataset read (through dimensions and joins) must be readable; the principal's row filter on each
    /// dataset comes back to be applied before aggregation (and keys the cache); grouping by, filtering on or taking
    /// the min/max of a column masked for the principal is refused, as those would show its clear values. A
    /// refusal names the metric or dimension asked for, never a dataset the caller may not see.
    /// </summary>
    private async Task<Dictionary<string, PolicyScope>> AuthorizeMetricsAsync(Principal principal, MetricPlan plan, DataAction action, CancellationToken cancellationToken)
    {
        var layer = _project.Semantic;
        var scope = MetricScopeOf(principal);
        foreach (var metric in plan.Metrics)
        {
            if (!scope.Metric(metric)) throw new NotFoundException($"no metric '{metric.Name}'");
            if (action == DataAction.Read || Policy.IsMetricGranted(principal, metric.Name, action)) continue;
            foreach (var dataset in layer.MeasuresOf(metric.Name).Select(layer.ModelOf).Select(m => m.Dataset).Distinct())
            {
                if (Policy.CanSee(principal, dataset)) Policy.Authorize(principal, dataset, action);
                else throw new ForbiddenException($"principal '{principal.Name}' may not {action.ToString().ToLowerInvariant()} metric '{metric.Name}': exports need a grant of '{action.ToString().ToLowerInvariant()}' on the metric or its datasets");
            }
        }
        var ownMeasures = plan.Metrics.Where(m => IsOwnMetric(principal, m.Name)).SelectMany(m => layer.MeasuresOf(m.Name)).ToHashSet();
        // A dataset is read only for the measures of metrics the principal holds by name: it need not see it.
        var exempt = plan.Datasets.Where(d =>
            plan.Nodes.All(n => string.Equals(n.Model.Dataset.Name, d, StringComparison.OrdinalIgnoreCase)
                ? n.Measures.All(ownMeasures.Contains)
                : !n.Datasets.Contains(d, StringComparer.OrdinalIgnoreCase))).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var node in plan.Nodes)
        {
            var used = node.Dimensions.Append(node.Time).Concat(node.Filters.Select(f => f.Dimension)).OfType<Core.Semantic.DimensionRef>();
            foreach (var dimension in used.Where(d => !scope.Dimension(d)))
                throw new InvalidRequestException($"no dimension '{dimension.Name}' can be reached from model '{node.Model.Name}'", "dimensions");
        }
        var scopes = new Dictionary<string, PolicyScope>(StringComparer.OrdinalIgnoreCase);
        var masked = new Dictionary<string, IReadOnlyDictionary<string, MaskKind>>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in plan.Datasets)
        {
            var dataset = _project.GetDataset(name);
            // A dataset read for a metric not granted by name, or for a dimension, must be readable like its rows;
            // dimensions were checked above, so one not visible here is a metric's own dataset: name the metric.
            if (!exempt.Contains(dataset.Name))
            {
                if (!Policy.CanSee(principal, dataset))
                    throw new NotFoundException($"no metric '{string.Join("', '", plan.Metrics.Select(m => m.Name))}' this principal may read");
                Policy.Authorize(principal, dataset, DataAction.Read);
            }
            var schema = await _schemas.GetAsync(dataset, cancellationToken);
            var applied = Policy.Apply(principal, dataset, schema, new RowsQuery { Dataset = dataset.Name });
            masked[dataset.Name] = applied.Masks;
            // Several grants with different filters mean "rows of any of them", as for dataset rows.
            var filters = exempt.Contains(dataset.Name) ? OwnMetricRows(principal, plan, dataset, schema, applied.PolicyFilters) : applied.PolicyFilters;
            scopes[dataset.Name] = new PolicyScope(filters, applied.Masks) { MaskKey = applied.MaskKey };
        }
        // An expression (a dimension's or measure's sql:, a measure's filter:) is masked like every column it reads:
        // Ladle cannot tell what an expression shows of its input, so one reading a masked column is refused whatever
        // it computes; a plain column keeps the finer rule (grouping, filtering and min/max refused, sums and counts not).
        string? MaskedColumn(DatasetDefinition dataset, string? column, string? sql)
        {
            if (!masked.TryGetValue(dataset.Name, out var masks) || masks.Count == 0) return null;
            var reads = sql is not null ? Core.Semantic.SqlSnippet.Check(sql, dataset.Columns.Select(c => c.Name).ToList()).Columns
                : column is not null ? [column] : [];
            return reads.FirstOrDefault(masks.ContainsKey);
        }
        foreach (var node in plan.Nodes)
        {
            var used = node.Dimensions.Append(node.Time).Concat(node.Filters.Select(f => f.Dimension)).OfType<Core.Semantic.DimensionRef>();
            foreach (var dimension in used)
            {
                var dataset = dimension.Path.Target.Dataset;
                if (MaskedColumn(dataset, dimension.Column, dimension.Dimension?.Sql) is not { } column) continue;
                throw new ForbiddenException(dimension.Dimension?.Sql is null
                    ? $"dimension '{dimension.Name}' reads column '{column}' of '{dataset.Name}', which is masked for principal '{principal.Name}' (PII); grouping or filtering by it needs a role with 'pii: true'"
                    : $"dimension '{dimension.Name}' is an expression over column '{column}' of '{dataset.Name}', which is masked for principal '{principal.Name}' (PII); grouping or filtering by it needs a role with 'pii: true'");
            }
            var own = node.Model.Dataset;
            foreach (var measure in node.Measures)
            {
                if (measure.Sql is { } sql && MaskedColumn(own, null, sql) is { } read)
                    throw new ForbiddenException($"measure '{measure.Name}' aggregates an expression over column '{read}' of '{own.Name}', which is masked for principal '{principal.Name}' (PII); it needs a role with 'pii: true'");
                if (measure.Filter is { } filter && MaskedColumn(own, null, filter) is { } filtered)
                    throw new ForbiddenException($"the filter of measure '{measure.Name}' reads column '{filtered}' of '{own.Name}', which is masked for principal '{principal.Name}' (PII); filtering on it needs a role with 'pii: true'");
                if (measure.Agg is Core.Semantic.Aggregation.Min or Core.Semantic.Aggregation.Max or Core.Semantic.Aggregation.Median or Core.Semantic.Aggregation.Percentile
                    && MaskedColumn(own, measure.Column, null) is { } returned)
                    throw new ForbiddenException($"measure '{measure.Name}' returns values of column '{returned}', which is masked for principal '{principal.Name}' (PII)");
            }
        }
        return scopes;
    }

    /// <summary>
    /// The rows of a dataset read only for metrics held by name: for each metric, the rows its grants' row filters
    /// admit, or those the principal's dataset grants admit. The metrics of one query must agree, so no metric is
    /// computed over rows another metric's grant admitted.
    /// </summary>
    private IReadOnlyList<IReadOnlyList<Filter>> OwnMetricRows(Principal principal, MetricPlan plan, DatasetDefinition dataset, DatasetSchema schema,
        IReadOnlyList<IReadOnlyList<Filter>> datasetFilters)
    {
        var layer = _project.Semantic;
        // Through dataset grants (an embed token's 'embed' grants included): null when none covers the dataset.
        var viaDataset = Policy.CanSee(principal with { AllowedDatasets = null }, dataset) ? datasetFilters : null;
        var answers = new List<(string Metric, IReadOnlyList<IReadOnlyList<Filter>> Groups)>();
        foreach (var metric in plan.Metrics.Where(m => layer.MeasuresOf(m.Name).Any(x => string.Equals(layer.ModelOf(x).Dataset.Name, dataset.Name, StringComparison.OrdinalIgnoreCase))))
        {
            var viaMetric = Policy.MetricRowFilters(principal, metric.Name, dataset, schema);
            IReadOnlyList<IReadOnlyList<Filter>> groups = (viaDataset, viaMetric) switch
            {
                ({ Count: 0 }, _) or (_, { Count: 0 }) => [],
                (null, null) => [],
                (null, { } m) => m,
                ({ } d, null) => d,
                ({ } d, { } m) => [.. d, .. m],
            };
            if (viaDataset is null && viaMetric is null)
                throw new NotFoundException($"no metric '{metric.Name}' this principal may read");
            answers.Add((metric.Name, groups));
        }
        static string Text(IReadOnlyList<IReadOnlyList<Filter>> groups) =>
            string.Join("|", groups.Select(g => string.Join("&", g.Select(f => f.Column + ":" + MetricPlanner.FilterText(f)))).Order(StringComparer.Ordinal));
        if (answers.Select(a => Text(a.Groups)).Distinct(StringComparer.Ordinal).Count() > 1)
            throw new ForbiddenException(
                $"metrics {string.Join(", ", answers.Select(a => $"'{a.Metric}'"))} are granted to principal '{principal.Name}' over different rows; ask for them separately");
        return answers.Count == 0 ? datasetFilters : answers[0].Groups;
    }

    /// <summary>
    /// An engine failure while computing metrics, said without the engine's quote of the value: the kind of error and
    /// the expressions of the query (sql: and filter: of its measures and dimensions) whose values may not fit.
    /// </summary>
    private static QueryFailedException MetricsFailed(MetricPlan? plan, Exception e)
    {
        var what = plan is null ? "the metric query" : $"metric(s) {string.Join(", ", plan.Metrics.Select(m => $"'{m.Name}'"))}";
        var suspects = plan is null ? [] : plan.Nodes.SelectMany(n =>
                n.Measures.SelectMany(m => new[]
                {
                    m.Sql is { } sql ? $"measure '{m.Name}' (sql: {sql}, type {m.Type.Name()})" : null,
                    m.Filter is { } filter ? $"the filter of measure '{m.Name}' ({filter})" : null,
                })
                .Concat(n.Dimensions.Append(n.Time).Concat(n.Filters.Select(f => f.Dimension)).OfType<Core.Semantic.DimensionRef>()
                    .Select(d => d.Dimension?.Sql is { } sql ? $"dimension '{d.Name}' (sql: {sql}, type {d.Type.Name()})" : null)))
            .OfType<string>().Distinct().ToList();
        var look = suspects.Count > 0
            ? $"look at {string.Join("; ", suspects)}"
            : $"look at the declared column types of {string.Join(", ", plan?.Datasets ?? [])}";
        return new QueryFailedException($"the engine could not compute {what}: {EngineErrors.Describe(e is SourceUnavailableException { InnerException: { } inner } ? inner : e)}; {look}");
    }

    /// <summary>The status block of a JSON metric answer.</summary>
    public static Dictionary<string, object?> MetricsDataBlock(MetricPlan plan, ReadAnswer info) => new()
    {
        ["metrics"] = plan.Metrics.Select(m => m.Name).ToList(),
        ["status"] = info.Health.StatusName,
        ["status_reason"] = info.Health.Reason,
        ["answered_by"] = info.AnsweredBy,
        ["zone"] = Core.Semantic.TimeZones.IdOf(plan.Zone),
        ["granularity"] = plan.Grain?.ToString().ToLowerInvariant(),
        ["range"] = plan.Range is { } r ? new Dictionary<string, object?> { ["from"] = r.From, ["to"] = r.To } : null,
        ["datasets"] = info.Datasets.Select(d => new Dictionary<string, object?>
        {
            ["dataset"] = d.Dataset,
            ["materialization"] = d.Materialization,
            ["version"] = d.Version,
            ["published_at"] = d.PublishedAt,
            ["status"] = d.Health.StatusName,
            ["status_reason"] = d.Health.Reason,
        }).ToList(),
    };
}
