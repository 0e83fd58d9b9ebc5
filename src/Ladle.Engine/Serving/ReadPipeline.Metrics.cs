using System.Diagnostics;
using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Core.Policy;
using Ladle.Core.Queries;
using Ladle.Core.Semantic.Planning;
using Ladle.Core.Semantic.Queries;
using Ladle.Engine.Encoders;
using Ladle.Engine.Semantic;
using Ladle.Engine.Trust;

namespace Ladle.Engine.Serving;

public sealed partial class ReadPipeline
{
    /// <summary>
    /// Serves a metric query: principal → query (planned against the semantic layer) → policy (every dataset it
    /// reads must be readable; row filters apply before aggregation) → trust (the worst status of those datasets,
    /// refusing stale data that refuses) → engine (cache, rollup or one statement, on leased versions) → encoder →
    /// audit. As with rows, everything that can be refused is decided before <paramref name="begin"/> is called.
    /// When the client already holds this answer (its entity tag still matches), <paramref name="begin"/> is called
    /// with <see cref="MetricServeInfo.NotModified"/> and nothing is read.
    /// </summary>
    public async Task ServeMetricsAsync(MetricsRequest request, Func<MetricServeInfo, Stream> begin, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        long rows = 0;
        var bytes = new CountingStream.Counter();
        var status = "error";
        IReadOnlyList<string> datasets = [];
        try
        {
            var encoder = ResultEncoders.Get(request.Format);
            var maxLimit = encoder.Format == "json" ? Engine.Project.Server.MaxPageSize
                : encoder is XlsxEncoder ? XlsxEncoder.MaxRows + 1 : (long?)null;
            var plan = Engine.Semantic.Plan(request.Query, maxLimit);
            datasets = plan.Datasets;
            await using var execution = Engine.Semantic.Open(plan, await AuthorizeMetricsAsync(request.Principal, plan, cancellationToken));
            var (health, read) = JudgeMetrics(execution);
            // Weak: the same numbers from the same versions with the same status, whether computed or cached.
            var etag = execution.ETag is { } tag ? $"W/\"{tag.Trim('"')}-{health.StatusName}\"" : null;
            if (etag is not null && request.IfNoneMatch is { } held && EntityTagMatches(held, etag))
            {
                // The client holds this very answer: the versions it was computed from are still the served ones.
                begin(new MetricServeInfo(health, read, encoder.ContentType, encoder.FileExtension, etag, "client") { NotModified = true });
                status = "not-modified";
                return;
            }
            // A cached answer whose status is ok is the same bytes every time it is asked the same way.
            if (execution.Lookup() is { } hit && health.Status == DataStatus.Ok && encoder is JsonEncoder or CsvEncoder or NdJsonEncoder)
            {
                Engine.Semantic.Count(execution);
                var cachedInfo = new MetricServeInfo(health, read, encoder.ContentType, encoder.FileExtension, etag, execution.AnsweredBy);
                if (!hit.Encodings.TryGetValue(encoder.Format, out var encoded))
                {
                    using var buffer = new MemoryStream();
                    await using (var rowsOfHit = new Results.BatchListStream(hit.Schema, hit.Rows))
                        await encoder.WriteAsync(rowsOfHit, buffer, new EncodeContext { Name = "metrics", Data = MetricsDataBlock(plan, cachedInfo) }, cancellationToken);
                    encoded = buffer.ToArray();
                    execution.KeepEncoding(encoder.Format, encoded);
                }
                var cachedBody = new CountingStream(begin(cachedInfo), bytes);
                await cachedBody.WriteAsync(encoded, cancellationToken);
                await cachedBody.FlushAsync(cancellationToken);
                rows = hit.Rows.Count;
                status = "ok";
                return;
            }
            // As for rows: a sheet's limit is checked before the response starts, not a million rows in.
            if (encoder is XlsxEncoder && await execution.CountAsync(cancellationToken) > XlsxEncoder.MaxRows)
                throw XlsxEncoder.TooManyRows(XlsxEncoder.MaxRows);
            await using var result = await execution.ReadAsync(cancellationToken);
            Engine.Semantic.Count(execution);
            var info = new MetricServeInfo(health, read, encoder.ContentType, encoder.FileExtension, etag, execution.AnsweredBy);
            var output = begin(info);
            var body = new CountingStream(output, bytes);
            var context = new EncodeContext { Name = "metrics", Data = MetricsDataBlock(plan, info) };
            await encoder.WriteAsync(result, body, context, cancellationToken);
            await body.FlushAsync(cancellationToken);
            rows = result.RowsRead;
            status = "ok";
        }
        catch (LadleException e)
        {
            status = e.Kind;
            throw;
        }
        catch (OperationCanceledException)
        {
            status = "cancelled";
            throw;
        }
        finally
        {
            Audit.Record(new AuditEntry(DateTimeOffset.UtcNow, request.Principal.Name, request.Interface, string.Join(",", datasets),
                "metrics", Describe(request.Query), rows, bytes.Bytes, status, clock.Elapsed));
        }
    }

    /// <summary>How a query would be answered (SQL, engine, cache, rollups), after the same policy and trust steps, without reading it.</summary>
    public async Task<MetricExplanation> ExplainMetricsAsync(Principal principal, MetricQuery query, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var plan = Engine.Semantic.Plan(query, Engine.Project.Server.MaxPageSize);
        var planned = clock.Elapsed.TotalMilliseconds;
        var rowFilters = await AuthorizeMetricsAsync(principal, plan, cancellationToken);
        // Compiling is writing the SQL for the engine (and looking up the cache), not the policy step before it.
        clock.Restart();
        await using var execution = Engine.Semantic.Open(plan, rowFilters);
        var compiled = clock.Elapsed.TotalMilliseconds;
        {
            var (_, read) = JudgeMetrics(execution, refuse: false);
            var cached = execution.IsCached;
            return new MetricExplanation(
                plan.Metrics.Select(m => m.Name).ToList(), execution.Engine, DialectOf(execution), execution.Sql.Text, execution.Sql.Parameters,
                cached ? "cache" : execution.AnsweredBy, execution.CacheKey is not null, cached, execution.NotCachedReason, execution.ETag,
                execution.Rollups, read, plan.Nodes.Select(n => n.ToString()).ToList(), plan.Key, planned, compiled);
        }
    }

    /// <summary>
    /// The metrics a principal may see: those granted to it by name, or whose every dataset it may see; an embed
    /// token narrows them to the metrics it names.
    /// </summary>
    public IEnumerable<Core.Semantic.MetricDefinition> MetricsCatalog(Principal principal)
    {
        var layer = Engine.Project.Semantic;
        return layer.Metrics.Where(m =>
            (principal.AllowedMetrics is null || principal.AllowedMetrics.Contains(m.Name, StringComparer.OrdinalIgnoreCase)) &&
            (Policy.IsMetricGranted(principal, m.Name) || layer.MeasuresOf(m.Name).Select(layer.ModelOf).All(model => Policy.CanSee(principal, model.Dataset))));
    }

    private static string DialectOf(MetricExecution execution) => execution.Engine == "store" ? "duckdb" : execution.Engine;

    /// <summary>
    /// The policy step for a metric query. The metrics must be visible (an embed token names the ones it may ask);
    /// every dataset read must be readable, unless each metric is granted by name; the principal's row filter on
    /// each dataset comes back to be applied before aggregation (and keys the cache); grouping by, filtering on or
    /// taking the min/max of a column masked for the principal is refused, as those would show its clear values.
    /// </summary>
    private async Task<Dictionary<string, IReadOnlyList<IReadOnlyList<Filter>>>> AuthorizeMetricsAsync(Principal principal, MetricPlan plan, CancellationToken cancellationToken)
    {
        foreach (var metric in plan.Metrics)
            if (principal.AllowedMetrics is { } allowed && !allowed.Contains(metric.Name, StringComparer.OrdinalIgnoreCase))
                throw new NotFoundException($"no metric '{metric.Name}'");
        var grantedByName = plan.Metrics.All(m => Policy.IsMetricGranted(principal, m.Name));
        var rowFilters = new Dictionary<string, IReadOnlyList<IReadOnlyList<Filter>>>(StringComparer.OrdinalIgnoreCase);
        var masked = new Dictionary<string, IReadOnlyDictionary<string, MaskKind>>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in plan.Datasets)
        {
            var dataset = Engine.GetDataset(name);
            if (!grantedByName) Policy.Authorize(principal, dataset, DataAction.Read);
            var schema = await Engine.GetSchemaAsync(dataset, cancellationToken);
            var applied = Policy.Apply(principal, dataset, schema, new RowsQuery { Dataset = dataset.Name });
            masked[dataset.Name] = applied.Masks;
            // Several grants with different filters mean "rows of any of them", as for dataset rows.
            if (applied.PolicyFilters.Count > 0) rowFilters[dataset.Name] = applied.PolicyFilters;
        }
        bool IsMasked(DimensionRefLike column) =>
            column.Column is { } c && masked.TryGetValue(column.Dataset, out var masks) && masks.ContainsKey(c);
        foreach (var node in plan.Nodes)
        {
            var used = node.Dimensions.Append(node.Time).Concat(node.Filters.Select(f => f.Dimension)).OfType<Core.Semantic.DimensionRef>()
                .Select(d => new DimensionRefLike(d.Path.Target.Dataset.Name, d.Column, d.Name));
            foreach (var column in used.Where(IsMasked))
                throw new ForbiddenException($"dimension '{column.Name}' reads column '{column.Column}' of '{column.Dataset}', which is masked for principal '{principal.Name}' (PII); grouping or filtering by it needs a role with 'pii: true'");
            foreach (var measure in node.Measures.Where(m => m.Agg is Core.Semantic.Aggregation.Min or Core.Semantic.Aggregation.Max or Core.Semantic.Aggregation.Median or Core.Semantic.Aggregation.Percentile))
                if (IsMasked(new DimensionRefLike(node.Model.Dataset.Name, measure.Column, measure.Name)))
                    throw new ForbiddenException($"measure '{measure.Name}' returns values of column '{measure.Column}', which is masked for principal '{principal.Name}' (PII)");
        }
        return rowFilters;
    }

    /// <summary>A column a metric query uses, with the dataset it belongs to.</summary>
    private sealed record DimensionRefLike(string Dataset, string? Column, string Name);

    /// <summary>The trust gate for several datasets: each leased version's status, the worst of them stated, stale data that refuses refused.</summary>
    private (DataHealth Worst, IReadOnlyList<DatasetRead> Read) JudgeMetrics(MetricExecution execution, bool refuse = true)
    {
        var read = new List<DatasetRead>();
        DataHealth worst = DataHealth.Ok;
        foreach (var (dataset, version) in execution.Datasets)
        {
            var health = Engine.Trust.Evaluate(dataset, version);
            if (refuse && health.Status == DataStatus.Stale && dataset.OnStale == OnStale.Refuse) throw new DatasetStaleException(dataset.Name, health);
            read.Add(new DatasetRead(dataset.Name, dataset.Materialization.ToString().ToLowerInvariant(), version?.Version, version?.PublishedAt, health));
            if (health.Status > worst.Status)
                worst = health with { Reason = $"{dataset.Name}: {health.Reason}" };
        }
        return (worst, read);
    }

    private static bool EntityTagMatches(string header, string etag) =>
        header.Split(',', StringSplitOptions.TrimEntries).Any(t => t == "*" || t == etag || "W/" + t == etag);

    /// <summary>The status block of a JSON metric answer.</summary>
    public static Dictionary<string, object?> MetricsDataBlock(MetricPlan plan, MetricServeInfo info) => new()
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

    private static string Describe(MetricQuery query) =>
        $"metrics={string.Join(",", query.Metrics)};by={string.Join(",", query.Dimensions)};grain={query.Granularity};range={query.Range};zone={query.Zone};filters={string.Join(";", query.Filters)}";
}
